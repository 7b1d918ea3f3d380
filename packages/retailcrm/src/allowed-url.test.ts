import { PermanentError } from '@connector/domain';
import { describe, expect, it, jest } from '@jest/globals';
import { assertAllowedRetailCrmUrl, checkRetailCrmUrl, type HostLookup } from './allowed-url.js';
import { RetailCrmUrlNotAllowedError } from './errors.js';

const SAAS = ['.retailcrm.ru', '.retailcrm.pro', '.simla.com'];
const resolvesTo =
  (...addresses: string[]): HostLookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

function refusal(url: string, allowed: readonly string[]): string {
  try {
    checkRetailCrmUrl(url, allowed);
  } catch (error) {
    expect(error).toBeInstanceOf(RetailCrmUrlNotAllowedError);
    expect(error).toBeInstanceOf(PermanentError);
    return (error as RetailCrmUrlNotAllowedError).reason;
  }
  throw new Error(`${url} was accepted`);
}

describe('checkRetailCrmUrl (static part of the SSRF guard)', () => {
  it('accepts an account sub-domain of a listed SaaS domain, with or without the trailing slash', () => {
    expect(checkRetailCrmUrl('https://shop.retailcrm.ru', SAAS)).toEqual({
      origin: 'https://shop.retailcrm.ru',
      protocol: 'https:',
      hostname: 'shop.retailcrm.ru',
      exactlyListed: false,
      plainHttpListed: false,
    });
    expect(checkRetailCrmUrl(' https://Shop.Simla.com/ ', SAAS).origin).toBe('https://shop.simla.com');
  });

  it('does not let `.domain` match the bare domain or a look-alike', () => {
    expect(refusal('https://retailcrm.ru', SAAS)).toMatch(/not in the allowed list/);
    expect(refusal('https://evilretailcrm.ru', SAAS)).toMatch(/not in the allowed list/);
    expect(refusal('https://shop.retailcrm.ru.evil.com', SAAS)).toMatch(/not in the allowed list/);
  });

  it('matches ports exactly: `host` = default port only, `host:port` = that port', () => {
    expect(refusal('https://shop.retailcrm.ru:8443', SAAS)).toMatch(/not in the allowed list/);
    expect(checkRetailCrmUrl('https://crm.company.ru:8443', ['crm.company.ru:8443']).exactlyListed).toBe(
      true,
    );
    expect(refusal('https://crm.company.ru', ['crm.company.ru:8443'])).toMatch(/not in the allowed list/);
    expect(checkRetailCrmUrl('https://crm.company.ru:443', ['crm.company.ru']).origin).toBe(
      'https://crm.company.ru',
    );
  });

  it('`http://host:port` allows plain http to exactly that host, private addresses included', async () => {
    const target = checkRetailCrmUrl('http://sandbox:4002', ['http://sandbox:4002']);
    expect(target).toMatchObject({ protocol: 'http:', plainHttpListed: true, exactlyListed: true });
    await expect(
      assertAllowedRetailCrmUrl('http://sandbox:4002', ['http://sandbox:4002'], {
        lookup: async () => [{ address: '172.18.0.5', family: 4 }],
      }),
    ).resolves.toMatchObject({ origin: 'http://sandbox:4002' });
    expect(refusal('http://sandbox:4002', ['sandbox:4002'])).toMatch(/plain http/);
    expect(refusal('http://other:4002', ['http://sandbox:4002'])).toMatch(/not in the allowed list/);
    expect(refusal('http://sandbox:4003', ['http://sandbox:4002'])).toMatch(/not in the allowed list/);
    expect(refusal('http://shop.retailcrm.ru', ['http://.retailcrm.ru'])).toMatch(/not in the allowed list/);
  });

  it('`host:*` allows that host on any port, and only that host', () => {
    expect(checkRetailCrmUrl('http://127.0.0.1:38405', ['127.0.0.1:*']).exactlyListed).toBe(true);
    expect(checkRetailCrmUrl('https://crm.company.ru', ['crm.company.ru:*']).origin).toBe(
      'https://crm.company.ru',
    );
    expect(refusal('http://127.0.0.2:38405', ['127.0.0.1:*'])).toMatch(/not in the allowed list/);
    expect(refusal('https://10.0.0.1:8443', ['.company.ru:*'])).toMatch(/not in the allowed list/);
  });

  it.each([
    ['https://user@shop.retailcrm.ru', /user name/],
    ['https://user:secret@shop.retailcrm.ru', /user name/],
    ['https://shop.retailcrm.ru/api/v5', /path/],
    ['https://shop.retailcrm.ru//', /path/],
    ['https://shop.retailcrm.ru/?apiKey=1', /query/],
    ['https://shop.retailcrm.ru?x', /query/],
    ['https://shop.retailcrm.ru#frag', /fragment/],
    ['https://evil.com\\@shop.retailcrm.ru', /user name/],
    ['ftp://shop.retailcrm.ru', /https/],
    ['shop.retailcrm.ru', /https/],
    ['https://', /not a valid URL/],
  ])('refuses %s', (url, reason) => {
    expect(refusal(url, SAAS)).toMatch(reason);
  });

  it('never echoes user info (a password) into the error', () => {
    try {
      checkRetailCrmUrl('https://admin:hunter2secret@shop.retailcrm.ru', SAAS);
    } catch (error) {
      expect(
        JSON.stringify({ ...(error as RetailCrmUrlNotAllowedError), m: (error as Error).message }),
      ).not.toContain('hunter2secret');
    }
    expect.assertions(1);
  });

  it('refuses IP literals unless listed exactly; a wildcard never matches an IP, even by its text', () => {
    expect(refusal('https://10.0.0.1', SAAS)).toMatch(/not in the allowed list/);
    expect(refusal('https://10.0.0.1', ['.0.0.1'])).toMatch(/not in the allowed list/);
    expect(refusal('https://[::1]', ['.retailcrm.ru'])).toMatch(/not in the allowed list/);
    expect(checkRetailCrmUrl('https://10.0.0.1', ['10.0.0.1']).exactlyListed).toBe(true);
  });

  it('normalises numeric IPv4 spellings before matching, so they cannot dodge the list', () => {
    expect(refusal('https://0x7f000001', ['.0.1', '0x7f000002'])).toMatch(
      /host 127\.0\.0\.1 is not in the allowed list/,
    );
    expect(refusal('https://2130706433', ['.0.1'])).toMatch(/host 127\.0\.0\.1 is not in the allowed list/);
    expect(checkRetailCrmUrl('https://2130706433', ['127.0.0.1']).hostname).toBe('127.0.0.1');
  });

  it('accepts plain http only for an exactly listed loopback host', () => {
    expect(checkRetailCrmUrl('http://127.0.0.1:4010', ['127.0.0.1:4010']).protocol).toBe('http:');
    expect(checkRetailCrmUrl('http://[::1]:4010', ['[::1]:4010']).hostname).toBe('::1');
    expect(checkRetailCrmUrl('http://localhost:4010', ['localhost:4010']).origin).toBe(
      'http://localhost:4010',
    );
    expect(refusal('http://shop.retailcrm.ru', SAAS)).toMatch(/http/);
    expect(refusal('http://crm.company.ru:8080', ['crm.company.ru:8080'])).toMatch(/http/);
    expect(refusal('http://127.0.0.1:4010', ['.0.0.1:4010'])).toMatch(/not in the allowed list/);
  });
});

describe('assertAllowedRetailCrmUrl (with DNS)', () => {
  it('accepts a listed host that resolves to public addresses only', async () => {
    const lookup = jest.fn(resolvesTo('93.184.216.34', '2a00:1450:4010:c05::64'));
    await expect(
      assertAllowedRetailCrmUrl('https://shop.retailcrm.ru', SAAS, { lookup }),
    ).resolves.toMatchObject({
      origin: 'https://shop.retailcrm.ru',
    });
    expect(lookup).toHaveBeenCalledWith('shop.retailcrm.ru');
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.100.100.100', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['fd00::5', 'unique-local'],
    ['::ffff:192.168.0.10', 'private'],
  ])('refuses a wildcard-matched host resolving to %s (%s)', async (address, kind) => {
    await expect(
      assertAllowedRetailCrmUrl('https://shop.retailcrm.ru', SAAS, {
        lookup: resolvesTo('93.184.216.34', address),
      }),
    ).rejects.toMatchObject({ code: 'retailcrm.url_not_allowed', reason: expect.stringContaining(kind) });
  });

  it('allows a private address for an exactly listed on-premise host', async () => {
    await expect(
      assertAllowedRetailCrmUrl('https://crm.company.local', ['crm.company.local'], {
        lookup: resolvesTo('10.0.0.7'),
      }),
    ).resolves.toMatchObject({ exactlyListed: true });
  });

  it('requires an http host to resolve to loopback only', async () => {
    await expect(
      assertAllowedRetailCrmUrl('http://localhost:4010', ['localhost:4010'], {
        lookup: resolvesTo('127.0.0.1', '::1'),
      }),
    ).resolves.toMatchObject({ protocol: 'http:' });
    await expect(
      assertAllowedRetailCrmUrl('http://localhost:4010', ['localhost:4010'], {
        lookup: resolvesTo('10.0.0.7'),
      }),
    ).rejects.toBeInstanceOf(RetailCrmUrlNotAllowedError);
  });

  it('does not resolve IP literals', async () => {
    const lookup = jest.fn(resolvesTo('10.0.0.1'));
    await assertAllowedRetailCrmUrl('http://127.0.0.1:4010', ['127.0.0.1:4010'], { lookup });
    expect(lookup).not.toHaveBeenCalled();
  });
});
