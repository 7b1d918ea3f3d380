-- The LIFE POS write-back's memory as typed marks: the sale states it wrote, the payment parts it booked and
-- the partial refunds it reported. Until now its decisions read them from the timeline ("OrderEvent").
--
-- The type is re-created with the new values rather than extended with ALTER TYPE ... ADD VALUE: a value
-- added that way cannot be used before its transaction commits, each migration runs in one transaction,
-- and the backfill below uses the new values. The result is the same type, values in the same order.
ALTER TYPE "OrderMarkKind" RENAME TO "OrderMarkKind_before_write_back";
CREATE TYPE "OrderMarkKind" AS ENUM ('trigger_received', 'sale_state_written', 'payment_booked', 'refund_held_back');
ALTER TABLE "OrderMark" ALTER COLUMN "kind" TYPE "OrderMarkKind" USING ("kind"::text::"OrderMarkKind");
DROP TYPE "OrderMarkKind_before_write_back";

-- Backfill: orders written back before this migration have their write-back only on the timeline. Their
-- marks are made from those entries (the same subjects the worker records), so no state is written again and
-- no refund reported again after the upgrade. Payments are never booked twice in any case (the RetailCRM
-- payment is found on the order by its externalId); their marks let the sales check skip settled sales.
INSERT INTO "OrderMark" ("connectionId", "retailcrmOrderId", "kind", "subject", "firstAt", "lastAt")
SELECT e."connectionId", e."retailcrmOrderId", m.kind::"OrderMarkKind", m.subject, min(e."createdAt"), max(e."createdAt")
FROM "OrderEvent" AS e
CROSS JOIN LATERAL (
    SELECT 'sale_state_written' AS kind, (e."data" ->> 'saleId') || ':' || (e."data" ->> 'state') AS subject
    WHERE e."type" = 'writeback.sale_state'
    UNION ALL
    SELECT 'payment_booked', (e."data" ->> 'saleId') || ':' || (e."data" ->> 'paymentId') || ':' || (e."data" ->> 'part')
    WHERE e."type" = 'writeback.payment'
    UNION ALL
    SELECT 'refund_held_back', (e."data" ->> 'paymentId') || ':' || (e."data" ->> 'part') || ':' || (e."data" ->> 'refundedKopecks')
    WHERE e."type" = 'writeback.refund_held_back'
) AS m
WHERE e."type" IN ('writeback.sale_state', 'writeback.payment', 'writeback.refund_held_back')
  AND jsonb_typeof(e."data") = 'object'
  AND m.subject IS NOT NULL
GROUP BY e."connectionId", e."retailcrmOrderId", m.kind, m.subject
ON CONFLICT ("connectionId", "retailcrmOrderId", "kind", "subject") DO NOTHING;
