-- Typed facts about an order's past that decisions read instead of the timeline (first: triggers received).
CREATE TYPE "OrderMarkKind" AS ENUM ('trigger_received');

-- CreateTable
CREATE TABLE "OrderMark" (
    "connectionId" UUID NOT NULL,
    "retailcrmOrderId" INTEGER NOT NULL,
    "kind" "OrderMarkKind" NOT NULL,
    "subject" TEXT NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrderMark_pkey" PRIMARY KEY ("connectionId","retailcrmOrderId","kind","subject")
);

-- AddForeignKey
ALTER TABLE "OrderMark" ADD CONSTRAINT "OrderMark_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
