-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "resolvedByHand" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "OrderLink_updatedAt_id_idx" ON "OrderLink"("updatedAt", "id");

-- CreateIndex
CREATE INDEX "OrderLink_connectionId_updatedAt_id_idx" ON "OrderLink"("connectionId", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "OrderLink_state_updatedAt_id_idx" ON "OrderLink"("state", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "OrderLink_retailcrmOrderNumber_idx" ON "OrderLink"("retailcrmOrderNumber");

-- CreateIndex
CREATE INDEX "OrderLink_retailcrmOrderId_idx" ON "OrderLink"("retailcrmOrderId");
