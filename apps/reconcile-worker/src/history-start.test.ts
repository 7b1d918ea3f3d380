import { describe, expect, it, jest } from '@jest/globals';
import { ACTIVATION_MARGIN_MS, accountWallClock, activationStart } from './history-start.js';

const instant = new Date('2026-05-01T09:30:00.000Z');
const receivedAt = new Date('2026-05-01T12:00:00.400Z');

describe('accountWallClock', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['Moscow (UTC+3)', '2026-05-01 15:00:00', '2026-05-01 12:30:00'],
    ['Novosibirsk (UTC+7)', '2026-05-01 19:00:01', '2026-05-01 16:30:00'],
    ['Kaliningrad (UTC+2)', '2026-05-01 13:59:58', '2026-05-01 11:30:00'],
    ['Madrid in summer (UTC+2), clocks 40 s apart', '2026-05-01 14:00:40', '2026-05-01 11:30:00'],
    ['India (UTC+5:30)', '2026-05-01 17:30:00', '2026-05-01 15:00:00'],
    ['Nepal (UTC+5:45)', '2026-05-01 17:45:00', '2026-05-01 15:15:00'],
    ['no generatedAt', undefined, undefined],
    ['an unreadable generatedAt', '01.05.2026 15:00', undefined],
  ])('%s', (_zone, generatedAt, expected) => {
    expect(accountWallClock(instant, generatedAt, receivedAt)).toBe(expected);
  });
});

describe('activationStart', () => {
  it('asks once, and starts a margin before the activation in the account’s wall clock', async () => {
    const orderHistory = jest.fn(async () => ({
      history: [],
      pagination: { limit: 20, totalCount: 0, currentPage: 1, totalPageCount: 0 },
      generatedAt: '2026-05-01 19:00:00',
    }));
    const activatedAt = new Date('2026-05-01T11:59:00.000Z');

    await expect(activationStart({ orderHistory }, activatedAt, () => receivedAt)).resolves.toBe(
      '2026-05-01 18:58:00',
    );
    expect(ACTIVATION_MARGIN_MS).toBe(60_000);
    expect(orderHistory).toHaveBeenCalledTimes(1);
  });

  it('falls back to the instant when the answer names no time', async () => {
    const orderHistory = jest.fn(async () => ({
      history: [],
      pagination: { limit: 20, totalCount: 0, currentPage: 1, totalPageCount: 0 },
      generatedAt: undefined,
    }));
    const activatedAt = new Date('2026-05-01T11:59:00.000Z');

    await expect(activationStart({ orderHistory }, activatedAt, () => receivedAt)).resolves.toEqual(
      new Date('2026-05-01T11:58:00.000Z'),
    );
  });
});
