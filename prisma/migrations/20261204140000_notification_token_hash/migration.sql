-- The notification token is no longer stored: only its SHA-256, by which the webhook-worker finds the
-- connection. Existing tokens keep working (their hashes are taken here) until the subscription check moves
-- the connection to its derived token.
ALTER TABLE "Connection" ADD COLUMN "notificationTokenHash" TEXT;

UPDATE "Connection" SET "notificationTokenHash" = encode(sha256(convert_to("notificationToken", 'UTF8')), 'hex');

ALTER TABLE "Connection" ALTER COLUMN "notificationTokenHash" SET NOT NULL;

-- DropIndex
DROP INDEX "Connection_notificationToken_key";

-- AlterTable
ALTER TABLE "Connection" DROP COLUMN "notificationToken";

-- CreateIndex
CREATE UNIQUE INDEX "Connection_notificationTokenHash_key" ON "Connection"("notificationTokenHash");
