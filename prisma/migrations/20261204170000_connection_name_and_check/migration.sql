-- The LIFE POS organization's name and the last check's report, stored on the connection.
ALTER TABLE "Connection" ADD COLUMN "lifeposOrgName" TEXT;
ALTER TABLE "Connection" ADD COLUMN "lastCheckReport" JSONB;
