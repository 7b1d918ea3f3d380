-- When the connection last became active: the first reconciliation reads the RetailCRM history from there.
ALTER TABLE "Connection" ADD COLUMN "activatedAt" TIMESTAMP(3);
