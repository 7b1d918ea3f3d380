-- The RetailCRM account's time zone, read by the connection's checks.
ALTER TABLE "Connection" ADD COLUMN "retailcrmTimeZone" TEXT;

-- Secrets typed into the console's form that a failed save or a check did not store (encrypted).
CREATE TABLE "PendingEdit" (
    "id" UUID NOT NULL,
    "connectionId" UUID,
    "lifeposPasswordEnc" TEXT,
    "retailcrmApiKeyEnc" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PendingEdit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PendingEdit_connectionId_key" ON "PendingEdit"("connectionId");

-- CreateIndex
CREATE INDEX "PendingEdit_updatedAt_idx" ON "PendingEdit"("updatedAt");

-- AddForeignKey
ALTER TABLE "PendingEdit" ADD CONSTRAINT "PendingEdit_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
