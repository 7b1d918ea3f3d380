-- The history scan asks whether any trigger of a connection arrived lately (an idle shop's scan backs off):
-- without this index that reads every mark of the connection.
-- CreateIndex
CREATE INDEX "OrderMark_connectionId_kind_lastAt_idx" ON "OrderMark"("connectionId", "kind", "lastAt");
