-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('draft', 'active', 'disabled');

-- CreateEnum
CREATE TYPE "OrderLinkState" AS ENUM ('exported', 'cancelled', 'refunded', 'deleted', 'failed');

-- CreateEnum
CREATE TYPE "PaymentPart" AS ENUM ('cash', 'card');

-- CreateEnum
CREATE TYPE "PaymentLinkStatus" AS ENUM ('pending', 'paid', 'refunded');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('open', 'tasks_created', 'resolved');

-- CreateTable
CREATE TABLE "Connection" (
    "id" UUID NOT NULL,
    "lifeposOrgId" TEXT NOT NULL,
    "lifeposPhone" TEXT NOT NULL,
    "lifeposPasswordEnc" TEXT NOT NULL,
    "retailcrmUrl" TEXT NOT NULL,
    "retailcrmApiKeyEnc" TEXT NOT NULL,
    "errorUserGroupCode" TEXT NOT NULL,
    "cashPaymentTypeCode" TEXT NOT NULL,
    "cashlessPaymentTypeCode" TEXT NOT NULL,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'draft',
    "disabledReason" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "notificationToken" TEXT NOT NULL,
    "lastCheckAt" TIMESTAMP(3),
    "lastCheckOk" BOOLEAN,
    "lastError" TEXT,
    "lastSyncAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderLink" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "retailcrmOrderId" INTEGER NOT NULL,
    "retailcrmOrderNumber" TEXT,
    "lifeposSaleId" TEXT,
    "lifeposOutletId" TEXT,
    "lifeposSaleNumber" TEXT,
    "state" "OrderLinkState" NOT NULL,
    "lastSyncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrderLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutletLink" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "retailcrmStoreCode" TEXT NOT NULL,
    "lifeposOutletId" TEXT NOT NULL,
    "legalEntityInn" TEXT NOT NULL,
    "name" TEXT,
    "address" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutletLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CourierLink" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "retailcrmCourierId" INTEGER NOT NULL,
    "lifeposEmployeeId" TEXT NOT NULL,
    "lifeposWorkplaceId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CourierLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentLink" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "lifeposPaymentId" TEXT NOT NULL,
    "part" "PaymentPart" NOT NULL,
    "retailcrmOrderId" INTEGER NOT NULL,
    "retailcrmPaymentId" INTEGER,
    "amountKopecks" BIGINT NOT NULL,
    "status" "PaymentLinkStatus" NOT NULL DEFAULT 'pending',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PaymentLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderEvent" (
    "id" BIGSERIAL NOT NULL,
    "connectionId" UUID NOT NULL,
    "retailcrmOrderId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrderEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "retailcrmOrderId" INTEGER,
    "action" TEXT NOT NULL,
    "cause" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "taskIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "status" "IncidentStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tasksCreatedAt" TIMESTAMP(3),

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncCursor" (
    "connectionId" UUID NOT NULL,
    "retailcrmHistorySinceId" BIGINT,
    "lastReconciledAt" TIMESTAMP(3),
    "lifeposSalesCursor" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncCursor_pkey" PRIMARY KEY ("connectionId")
);

-- CreateTable
CREATE TABLE "Outbox" (
    "id" BIGSERIAL NOT NULL,
    "connectionId" UUID NOT NULL,
    "queue" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LifeposNotification" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "typeOf" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "LifeposNotification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Connection_lifeposOrgId_key" ON "Connection"("lifeposOrgId");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_notificationToken_key" ON "Connection"("notificationToken");

-- CreateIndex
CREATE INDEX "Connection_status_idx" ON "Connection"("status");

-- CreateIndex
CREATE INDEX "OrderLink_connectionId_state_retailcrmOrderId_idx" ON "OrderLink"("connectionId", "state", "retailcrmOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderLink_connectionId_retailcrmOrderId_key" ON "OrderLink"("connectionId", "retailcrmOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderLink_connectionId_lifeposSaleId_key" ON "OrderLink"("connectionId", "lifeposSaleId");

-- CreateIndex
CREATE INDEX "OutletLink_connectionId_lifeposOutletId_idx" ON "OutletLink"("connectionId", "lifeposOutletId");

-- CreateIndex
CREATE UNIQUE INDEX "OutletLink_connectionId_retailcrmStoreCode_key" ON "OutletLink"("connectionId", "retailcrmStoreCode");

-- CreateIndex
CREATE UNIQUE INDEX "CourierLink_connectionId_retailcrmCourierId_key" ON "CourierLink"("connectionId", "retailcrmCourierId");

-- CreateIndex
CREATE INDEX "PaymentLink_connectionId_retailcrmOrderId_idx" ON "PaymentLink"("connectionId", "retailcrmOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentLink_connectionId_lifeposPaymentId_part_key" ON "PaymentLink"("connectionId", "lifeposPaymentId", "part");

-- CreateIndex
CREATE INDEX "OrderEvent_connectionId_retailcrmOrderId_createdAt_idx" ON "OrderEvent"("connectionId", "retailcrmOrderId", "createdAt");

-- CreateIndex
CREATE INDEX "Incident_connectionId_retailcrmOrderId_idx" ON "Incident"("connectionId", "retailcrmOrderId");

-- CreateIndex
CREATE INDEX "Incident_status_createdAt_idx" ON "Incident"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Incident_connectionId_dedupeKey_key" ON "Incident"("connectionId", "dedupeKey");

-- CreateIndex
CREATE UNIQUE INDEX "Outbox_jobId_key" ON "Outbox"("jobId");

-- CreateIndex
CREATE INDEX "Outbox_connectionId_idx" ON "Outbox"("connectionId");

-- CreateIndex
CREATE INDEX "LifeposNotification_connectionId_receivedAt_idx" ON "LifeposNotification"("connectionId", "receivedAt");

-- CreateIndex
CREATE INDEX "LifeposNotification_processedAt_receivedAt_idx" ON "LifeposNotification"("processedAt", "receivedAt");

-- AddForeignKey
ALTER TABLE "OrderLink" ADD CONSTRAINT "OrderLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutletLink" ADD CONSTRAINT "OutletLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CourierLink" ADD CONSTRAINT "CourierLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentLink" ADD CONSTRAINT "PaymentLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderEvent" ADD CONSTRAINT "OrderEvent_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncCursor" ADD CONSTRAINT "SyncCursor_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LifeposNotification" ADD CONSTRAINT "LifeposNotification_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
