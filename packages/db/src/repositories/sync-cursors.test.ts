import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';

const tenants = useTestTenants();

describe('sync cursors', () => {
  it('starts empty', async () => {
    const connectionId = await tenants.tenant();
    expect(await tenants.db.syncCursors.get(connectionId)).toEqual({
      connectionId,
      retailcrmHistorySinceId: null,
      lastReconciledAt: null,
      lifeposSalesCursor: null,
    });
  });

  it('advances the given cursors and keeps the others', async () => {
    const connectionId = await tenants.tenant();
    const reconciled = new Date('2026-05-01T12:00:00.123Z');
    await tenants.db.syncCursors.advance(connectionId, { retailcrmHistorySinceId: 5_000_000_000 });
    const after = await tenants.db.syncCursors.advance(connectionId, { lastReconciledAt: reconciled });

    expect(after).toEqual({
      connectionId,
      retailcrmHistorySinceId: 5_000_000_000,
      lastReconciledAt: reconciled,
      lifeposSalesCursor: null,
    });
    expect(await tenants.db.syncCursors.get(connectionId)).toEqual(after);
    // Written with raw SQL, read back by Prisma: the same instant.
    expect(
      (await tenants.db.prisma.syncCursor.findUniqueOrThrow({ where: { connectionId } })).lastReconciledAt,
    ).toEqual(reconciled);
  });

  it('never moves a cursor back', async () => {
    const connectionId = await tenants.tenant();
    const later = new Date('2026-05-02T00:00:00.000Z');
    await tenants.db.syncCursors.advance(connectionId, {
      retailcrmHistorySinceId: 900,
      lifeposSalesCursor: later,
    });
    const stale = await tenants.db.syncCursors.advance(connectionId, {
      retailcrmHistorySinceId: 100,
      lifeposSalesCursor: new Date('2026-05-01T00:00:00.000Z'),
    });

    expect(stale).toMatchObject({ retailcrmHistorySinceId: 900, lifeposSalesCursor: later });
    expect(
      (await tenants.db.syncCursors.advance(connectionId, { retailcrmHistorySinceId: 901 }))
        .retailcrmHistorySinceId,
    ).toBe(901);
  });
});
