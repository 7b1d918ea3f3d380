import type {
  PaymentLink,
  PaymentLinkStatus,
  PaymentPart,
  PrismaClient,
} from '../generated/prisma/client.js';

/** One part (cash or card) of one LIFE POS payment document. */
export interface PaymentLinkKey {
  connectionId: string;
  lifeposPaymentId: string;
  part: PaymentPart;
}

/** A payment link with its amount as a plain number of kopecks (stored as BIGINT). */
export interface PaymentLinkRecord extends Omit<PaymentLink, 'amountKopecks'> {
  amountKopecks: number;
}

function toRecord(row: PaymentLink): PaymentLinkRecord {
  return { ...row, amountKopecks: Number(row.amountKopecks) };
}

function kopecks(amount: number): bigint {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amountKopecks must be an integer, got ${amount}`);
  return BigInt(amount);
}

export function createPaymentLinksRepository(prisma: PrismaClient) {
  const byKey = ({ connectionId, lifeposPaymentId, part }: PaymentLinkKey) => ({
    connectionId_lifeposPaymentId_part: { connectionId, lifeposPaymentId, part },
  });

  return {
    async get(key: PaymentLinkKey): Promise<PaymentLinkRecord | null> {
      const row = await prisma.paymentLink.findUnique({ where: byKey(key) });
      return row ? toRecord(row) : null;
    },

    /**
     * The link of a payment part, created `pending` if there is none yet. `created` is true for exactly one
     * caller however many race, so only that one goes on to create the RetailCRM payment.
     */
    async ensure(
      key: PaymentLinkKey,
      data: { retailcrmOrderId: number; amountKopecks: number },
    ): Promise<{ link: PaymentLinkRecord; created: boolean }> {
      const [inserted] = await prisma.paymentLink.createManyAndReturn({
        data: [
          { ...key, retailcrmOrderId: data.retailcrmOrderId, amountKopecks: kopecks(data.amountKopecks) },
        ],
        skipDuplicates: true,
      });
      if (inserted) return { link: toRecord(inserted), created: true };
      return {
        link: toRecord(await prisma.paymentLink.findUniqueOrThrow({ where: byKey(key) })),
        created: false,
      };
    },

    /** Records the RetailCRM side: the payment id once created, the status as it moves (paid → refunded). */
    async update(
      key: PaymentLinkKey,
      data: { retailcrmPaymentId?: number; status?: PaymentLinkStatus },
    ): Promise<PaymentLinkRecord> {
      return toRecord(await prisma.paymentLink.update({ where: byKey(key), data }));
    },

    async listForOrder(connectionId: string, retailcrmOrderId: number): Promise<PaymentLinkRecord[]> {
      const rows = await prisma.paymentLink.findMany({
        where: { connectionId, retailcrmOrderId },
        orderBy: [{ createdAt: 'asc' }, { lifeposPaymentId: 'asc' }, { part: 'asc' }],
      });
      return rows.map(toRecord);
    },
  };
}

export type PaymentLinksRepository = ReturnType<typeof createPaymentLinksRepository>;
