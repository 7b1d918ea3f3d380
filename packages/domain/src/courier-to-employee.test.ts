import { describe, expect, it } from '@jest/globals';
import {
  courierIdOfDelivery,
  courierMeta,
  employeeNameFor,
  employeePatchFor,
  normalizePhone,
  phoneHolderOf,
  pickUsername,
  samePhone,
  usernameCandidates,
  workplaceNameFor,
} from './index.js';

/** LIFE POS's employee phone pattern (docs/LIFEPOS-API.md, «Employees»), in full, 10–18 characters. */
const LIFEPOS_PHONE = /^((8|\+7)-?)?\(?\d{3,5}\)?-?\d{1}-?\d{1}-?\d{1}-?\d{1}-?\d{1}((-?\d{1})?-?\d{1})?$/;

describe('courierIdOfDelivery', () => {
  it.each([
    ['courierId', { data: { courierId: 12 } }, 12],
    [
      'courierId next to the expanded courier',
      { integrationCode: 'courier', data: { courierId: 12, id: 12, firstName: 'Иван' } },
      12,
    ],
    [
      'expanded courier of the built-in courier delivery',
      { integrationCode: 'courier', data: { id: 7, firstName: 'Иван' } },
      7,
    ],
    ['id of another integration', { integrationCode: 'sdek', data: { id: 7, firstName: 'Иван' } }, undefined],
    ['bare id without courier fields', { integrationCode: 'courier', data: { id: 7 } }, undefined],
    ['no data', { integrationCode: 'courier' }, undefined],
    ['no delivery', undefined, undefined],
    ['a zero id', { data: { courierId: 0 } }, undefined],
    ['a fractional id', { data: { courierId: 1.5 } }, undefined],
  ])('%s', (_, delivery, expected) => {
    expect(courierIdOfDelivery(delivery)).toBe(expected);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['+79161112233', '+79161112233'],
    ['+7 (916) 111-22-33', '+79161112233'],
    ['8 916 111 22 33', '+79161112233'],
    ['79161112233', '+79161112233'],
    ['9161112233', '+79161112233'],
    ['+7 495 123-45-01', '+74951234501'],
    ['+375 29 123 45 67', undefined],
    ['12345', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%p → %p', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it('gives what LIFE POS accepts', () => {
    const phone = normalizePhone('8 (916) 111-22-33') ?? '';
    expect(phone).toMatch(LIFEPOS_PHONE);
    expect(phone.length).toBeGreaterThanOrEqual(10);
    expect(phone.length).toBeLessThanOrEqual(18);
  });
});

describe('samePhone', () => {
  it.each([
    ['+79161112233', '8 (916) 111-22-33', true],
    ['9161112233', '+7 916 111 22 33', true],
    ['+79161112233', '+79161112234', false],
    ['+375291234567', '375 29 123 45 67', true],
    ['', '', false],
    [null, undefined, false],
  ])('%p vs %p', (a, b, expected) => {
    expect(samePhone(a, b)).toBe(expected);
  });
});

describe('employeeNameFor', () => {
  it.each([
    ['first and last name', { id: 1, firstName: 'Иван', lastName: 'Петров' }, 'Иван Петров'],
    ['extra whitespace', { id: 1, firstName: ' Иван ', lastName: ' Петров  ' }, 'Иван Петров'],
    ['first name only', { id: 1, firstName: 'Анастасия' }, 'Анастасия'],
    ['too short for LIFE POS', { id: 1, firstName: 'Ян' }, 'Курьер Ян'],
    ['exactly five characters', { id: 1, firstName: 'Ян', lastName: 'Ли' }, 'Ян Ли'],
    ['no name at all', { id: 42 }, 'Курьер 42'],
    [
      'too long for LIFE POS',
      { id: 1, firstName: 'Я'.repeat(40), lastName: 'Б'.repeat(40) },
      `${'Я'.repeat(40)} ${'Б'.repeat(23)}`,
    ],
  ])('%s', (_, courier, expected) => {
    const name = employeeNameFor(courier);
    expect(name).toBe(expected);
    expect(name.length).toBeGreaterThanOrEqual(5);
    expect(name.length).toBeLessThanOrEqual(64);
  });
});

describe('usernameCandidates / pickUsername', () => {
  it.each([
    [
      'Cyrillic transliterated',
      { id: 12, firstName: 'Иван', lastName: 'Петров' },
      ['ivan_petrov', 'ivan_petrov_12', 'ivan_petrov_12_2'],
    ],
    [
      'й, ё, щ, ь',
      { id: 3, firstName: 'Алёна', lastName: 'Щукина-Ильинская' },
      ['alena_shchukinailinskaya', 'alena_shchukinailinska_3', 'alena_shchukinailins_3_2'],
    ],
    ['й stays y', { id: 4, firstName: 'Йован' }, ['yovan', 'yovan_4', 'yovan_4_2']],
    [
      'Latin with accents',
      { id: 5, firstName: 'José', lastName: "O'Neil" },
      ['jose_oneil', 'jose_oneil_5', 'jose_oneil_5_2'],
    ],
    ['no usable letters', { id: 6, firstName: '—' }, ['courier', 'courier_6', 'courier_6_2']],
  ])('%s', (_, courier, expected) => {
    const candidates = usernameCandidates(courier, 3);
    expect(candidates).toEqual(expected);
    for (const candidate of candidates) {
      expect(candidate.length).toBeGreaterThanOrEqual(2);
      expect(candidate.length).toBeLessThanOrEqual(24);
      expect(candidate).toMatch(/^[a-z0-9_]+$/);
    }
  });

  it('picks the first free candidate, case-insensitively', () => {
    const candidates = usernameCandidates({ id: 12, firstName: 'Иван', lastName: 'Петров' });
    expect(pickUsername(candidates, [])).toBe('ivan_petrov');
    expect(pickUsername(candidates, ['IVAN_PETROV'])).toBe('ivan_petrov_12');
    expect(pickUsername(candidates, ['ivan_petrov', 'ivan_petrov_12'])).toBe('ivan_petrov_12_2');
    expect(pickUsername(['a', 'b'], ['a', 'b'])).toBeUndefined();
  });
});

describe('employeePatchFor', () => {
  it.each([
    [
      'in step',
      { name: 'Иван Петров', phone: '8 (916) 111-22-33' },
      { name: 'Иван Петров', phone: '+79161112233' },
      {},
    ],
    [
      'renamed',
      { name: 'Иван Петров', phone: '+79161112233' },
      { name: 'Иван Сидоров', phone: '+79161112233' },
      { name: 'Иван Сидоров' },
    ],
    [
      'new phone',
      { name: 'Иван Петров', phone: '+79161112233' },
      { name: 'Иван Петров', phone: '+79160000000' },
      { phone: '+79160000000' },
    ],
    [
      'phone removed in RetailCRM: kept',
      { name: 'Иван Петров', phone: '+79161112233' },
      { name: 'Иван Петров', phone: undefined },
      {},
    ],
  ])('%s', (_, current, wanted, expected) => {
    expect(employeePatchFor(current, wanted)).toEqual(expected);
  });
});

it('names the workplace after the courier and tags both with the courier id', () => {
  expect(workplaceNameFor('Иван Петров')).toBe('Курьер: Иван Петров');
  expect(courierMeta(12)).toBe('retailcrm-courier:12');
});

describe('phoneHolderOf', () => {
  const OWNER = 'owner-guid';
  const employee = (guid: string, phone: string | null, archived = false) => ({
    guid,
    phone,
    deletedAt: archived ? '2026-01-01T00:00:00Z' : null,
  });

  it('finds an alive employee whatever the phone format', () => {
    const maria = employee('maria', '89165550011');
    for (const phone of ['+7 916 555-00-11', '89165550011', '79165550011', '+79165550011']) {
      expect(phoneHolderOf(phone, [employee('x', '+79160000000'), maria], OWNER)).toEqual({
        kind: 'employee',
        employee: maria,
      });
    }
  });

  it('tells the owner, an archived holder and nobody apart; an alive employee wins over both', () => {
    const owner = employee(OWNER, '+79165550011');
    const archived = employee('gone', '8 (916) 555-00-11', true);
    const alive = employee('alive', '9165550011');
    expect(phoneHolderOf('+79165550011', [owner], OWNER)).toEqual({ kind: 'owner', employee: owner });
    expect(phoneHolderOf('+79165550011', [archived], OWNER)).toEqual({
      kind: 'archived',
      employee: archived,
    });
    expect(phoneHolderOf('+79165550011', [archived, owner], OWNER)).toMatchObject({ kind: 'owner' });
    expect(phoneHolderOf('+79165550011', [archived, alive], OWNER)).toMatchObject({ kind: 'employee' });
    expect(
      phoneHolderOf('+79165550011', [employee('x', null), employee('y', '+79165550012')], OWNER),
    ).toEqual({
      kind: 'none',
    });
  });
});
