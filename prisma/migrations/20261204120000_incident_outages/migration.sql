-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "outage" TEXT,
ADD COLUMN     "lastFailureAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "tasksFailedAt" TIMESTAMP(3),
ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "tasksCompletedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "IncidentSubject" (
    "incidentId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "queue" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "retailcrmOrderId" INTEGER,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "redrivenAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "IncidentSubject_pkey" PRIMARY KEY ("incidentId","queue","subject")
);

-- CreateTable
CREATE TABLE "FailureStreak" (
    "connectionId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT NOT NULL,

    CONSTRAINT "FailureStreak_pkey" PRIMARY KEY ("connectionId","subject")
);

-- CreateIndex
CREATE INDEX "IncidentSubject_connectionId_subject_idx" ON "IncidentSubject"("connectionId", "subject");

-- AddForeignKey
ALTER TABLE "IncidentSubject" ADD CONSTRAINT "IncidentSubject_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Unresolved incidents opened before subjects existed get theirs from the dedupe key `<queue>:<subject>:<cause>`.
INSERT INTO "IncidentSubject" ("incidentId", "connectionId", "queue", "subject", "retailcrmOrderId", "addedAt")
SELECT "id", "connectionId", split_part("dedupeKey", ':', 1),
       regexp_replace("dedupeKey", '^[^:]+:(.*):[^:]*$', '\1'), "retailcrmOrderId", "createdAt"
FROM "Incident"
WHERE "status" <> 'resolved' AND "dedupeKey" ~ '^[^:]+:.+:[^:]*$';
