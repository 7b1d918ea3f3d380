import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { describeEvent, roubles, TIMELINE_EVENT_TYPES, type TimelineNames } from './event-catalog.js';
import { orderStanding } from './order-state.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sources(path));
    else if (/\.ts$/.test(name) && !/\.(test|browser\.test)\.ts$/.test(name)) files.push(path);
  }
  return files;
}

/**
 * Every timeline type the code writes: `type: 'x.y'` in a file that writes the timeline, and the values of
 * a `…TIMELINE = { … }` constant. The sandbox is another system and is left out.
 */
function writtenTypes(): Set<string> {
  const types = new Set<string>();
  const roots = ['apps', 'packages'].flatMap((top) =>
    readdirSync(join(ROOT, top))
      .filter((name) => name !== 'sandbox' && name !== 'console')
      .map((name) => join(ROOT, top, name, 'src')),
  );
  for (const file of roots.flatMap((root) =>
    statSync(root, { throwIfNoEntry: false }) ? sources(root) : [],
  )) {
    const text = readFileSync(file, 'utf8');
    if (!/\.record\(|orderEvents\.append|timeline\.append|\.append\(connectionId/.test(text)) continue;
    for (const match of text.matchAll(/type:\s*'([a-z]+\.[a-z_]+)'/g)) types.add(match[1] as string);
    for (const block of text.matchAll(/const [A-Z_]*TIMELINE = \{([^}]*)\}/g)) {
      for (const match of (block[1] as string).matchAll(/'([a-z]+\.[a-z_]+)'/g))
        types.add(match[1] as string);
    }
  }
  return types;
}

const names: TimelineNames = {
  outlets: new Map([['outlet-1', 'Кафе на Тверской']]),
  stores: new Map([['shop-center', 'Кафе на Тверской']]),
  employees: new Map([['emp-1', 'сотрудник коннектора «Анна Смирнова»']]),
};

describe('timeline event catalog', () => {
  it('has a Russian title for every event type the workers write', () => {
    const written = writtenTypes();
    // The scan finds the types of every writer (a scan that found nothing would prove nothing).
    for (const type of ['trigger.received', 'job.started', 'external.call', 'writeback.sale_state'])
      expect(written.has(type)).toBe(true);
    const missing = [...written].filter((type) => !TIMELINE_EVENT_TYPES.includes(type));
    expect(missing).toEqual([]);
    for (const type of written) {
      const described = describeEvent({ type, message: 'english line', data: {} }, names);
      expect(described.known).toBe(true);
      expect(described.title.ru).toMatch(/[а-яё]/i);
      expect(described.sentence.ru).toMatch(/[а-яё]/i);
      expect(described.sentence.ru).not.toContain(type);
    }
  });

  it('tells a job in Russian, with the outlet and the employee by name and amounts in roubles', () => {
    const started = describeEvent({
      type: 'job.started',
      message: 'export to LIFE POS started (trigger, attempt 1)',
      data: { queue: 'order-export', jobId: '1', attempt: 1 },
    });
    expect(started.sentence.ru).toBe(
      'Началась выгрузка заказа в LIFE POS (по триггеру RetailCRM, попытка 1).',
    );
    const created = describeEvent(
      {
        type: 'external.call',
        message: 'sale 1001 created in outlet outlet-1',
        data: {
          saleId: 's',
          number: '1001',
          outletId: 'outlet-1',
          employeeId: 'emp-1',
          totalKopecks: 125050,
        },
      },
      names,
    );
    expect(created.sentence.ru.replace(/\s/g, ' ')).toBe(
      'Создана продажа № 1001 на 1 250,50 ₽ в торговой точке «Кафе на Тверской»; открыл сотрудник коннектора «Анна Смирнова».',
    );
    expect(created.sentence.en).toBe('sale 1001 created in outlet outlet-1');
    expect(roubles(150000).replace(/\s/g, ' ')).toBe('1 500 ₽');
  });

  it('derives the order state from the latest facts, after the link said exported', () => {
    const exported = { type: 'job.finished', message: '', data: { outcome: 'created' } };
    const paid = { type: 'writeback.payment', message: '', data: { amountKopecks: 100 } };
    const completed = { type: 'writeback.sale_state', message: '', data: { state: 'Completed' } };
    const refunded = { type: 'writeback.payment_refunded', message: '', data: {} };
    expect(orderStanding('exported', [exported])).toBe('exported');
    expect(orderStanding('exported', [exported, paid])).toBe('paid');
    expect(orderStanding('exported', [exported, completed, paid])).toBe('completed');
    expect(orderStanding('exported', [exported, paid, completed, refunded])).toBe('refunded');
    expect(orderStanding(undefined, [])).toBe('not-exported');
  });
});
