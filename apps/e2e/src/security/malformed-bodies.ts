// Test-only: deterministic generators of malformed requests for the two endpoints the outside world posts to —
// the RetailCRM trigger ingress and the LIFE POS notification receiver. Every request made here must be
// refused: each one breaks at least one rule of its endpoint (a bad field, a bad encoding, a bad size…),
// so a 2xx answer to any of them is a bug.

/** One generated request. */
export interface FuzzRequest {
  /** What is wrong with it, for the failure message. */
  kind: string;
  /** No header at all when undefined. */
  contentType: string | undefined;
  headers?: Record<string, string>;
  body: string | Uint8Array;
  /** Notification endpoint only: the path token. */
  token?: string;
}

/** A seeded pseudo-random source (mulberry32): the same seed gives the same requests on every run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

export const INJECTIONS = [
  "' OR '1'='1",
  '1; DROP TABLE "Connection"; --',
  "1' AND pg_sleep(5)--",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '${7*7}',
  '#{7*7}',
  '<%= 7*7 %>',
  '../../../etc/passwd',
  '%00',
  '\u0000',
  '__proto__',
  'constructor',
  '{"$gt":""}',
  '\r\nX-Injected: 1',
  '$(id)',
  '`id`',
  '|| ping -c 1 127.0.0.1',
  'javascript:alert(1)',
];

export const UNICODE = [
  'заказ',
  '١٢٣',
  '１２３',
  '𝟏𝟐𝟑',
  '🙂🙂🙂',
  '\u202e1',
  'n\u0435w',
  'ｎｅｗ',
  '\u200b',
  'Z̷̢a̴l̶g̷o',
  '\ud800',
  'İ',
];

/** JSON values that are no string at all. */
const NOT_STRINGS: unknown[] = [0, -1, 1.5, 1e308, true, false, null, [], ['x'], {}, { value: 'x' }];

/** Never an order id: zero, negative, fractional, out of range, not plain digits, not a number. */
const BAD_ORDER_IDS: unknown[] = [
  '0',
  '-1',
  '+1',
  '1.5',
  '1.0',
  '1e3',
  '0x10',
  '0b1',
  '1_000',
  '1,5',
  '1 2',
  '12abc',
  'Infinity',
  'NaN',
  '',
  ' ',
  '2147483648',
  '99999999999',
  '9'.repeat(400),
  0,
  -0,
  -7,
  1.5,
  0.1,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -(2 ** 31),
  true,
  null,
  [],
  [1],
  ['1', '2'],
  {},
  { id: 1 },
  ...INJECTIONS,
  ...UNICODE,
];

/** Never a trigger status: other words, other case, look-alike letters, other types. */
const BAD_STATUSES: unknown[] = [
  'NEW',
  'New',
  'cancel',
  'cancelled',
  'closed!',
  'refund\u0000',
  're fund',
  '',
  'new,closed',
  ...INJECTIONS,
  ...UNICODE,
  ...NOT_STRINGS,
  ['new'],
  { new: true },
];

/** Never a well-formed organization guid. */
function badClientIds(real: string): unknown[] {
  return [
    '',
    'abc',
    real.replaceAll('-', ''),
    `${real}0`,
    `{${real}}`,
    `${real.slice(0, -1)}g`,
    real.replaceAll('-', '_'),
    ...INJECTIONS,
    ...UNICODE,
    ...NOT_STRINGS,
    [real],
    { guid: real },
  ];
}

const VALID_STATUSES = ['new', 'closed', 'refund'];

/** A form body of the given pairs (a name may repeat); non-strings are written as text. */
function formOf(pairs: [string, unknown][]): string {
  const form = new URLSearchParams();
  for (const [name, value] of pairs) {
    form.append(name, typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));
  }
  return form.toString();
}

/** A JSON object text of the given pairs, written by hand so that a name may repeat. */
function jsonOf(pairs: [string, unknown][]): string {
  return `{${pairs.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
}

const MALFORMED_JSON = [
  '{',
  '{"client_id":',
  "{'client_id':'x'}",
  '{"a":1,}',
  '{"a":1} trailing',
  '{"a":NaN}',
  '{"a":undefined}',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a" 1}',
  '/* comment */ {}',
  '\u0000',
  '\ufeff{"a":1',
  '{"a":"unterminated}',
  `${'['.repeat(3000)}${']'.repeat(2999)}`,
];

const NON_OBJECT_JSON = ['[]', '[{"a":1}]', '"text"', '42', '-1', 'null', 'true', '[[[[[]]]]]'];

/** Content types the endpoint does not parse (the body is then no body to it). */
const FOREIGN_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'image/png',
];

/**
 * Charsets neither parser decodes (JSON takes `utf-*` only, forms `utf-8` and `iso-8859-1`). A UTF-7 JSON body
 * is decoded, and plain ASCII reads the same in it: such a trigger is a valid one, not a malformed one.
 */
const FOREIGN_CHARSETS = ['koi8-r', 'windows-1251', 'us-ascii'];

export interface TriggerFuzzOptions {
  count: number;
  /** `client_id`s of real, active connections: some requests get past the tenant lookup's format check. */
  clientIds: readonly string[];
}

/**
 * Requests for `POST /retailCRM/update`. Extra fields are allowed by the endpoint, so every request breaks a
 * rule of its own: a field wrong, missing or repeated, the body not form or JSON, too big, or badly encoded —
 * or it is well-formed and names an unknown organization, or asks to refund an order that has no sale (the
 * only requests that get past the tenant lookup: validation comes first).
 */
export function malformedTriggers(random: Random, { count, clientIds }: TriggerFuzzOptions): FuzzRequest[] {
  const validField = (name: string): unknown =>
    name === 'client_id'
      ? random.pick(clientIds)
      : name === 'order_id'
        ? random.pick(['1', '5001', '2147483647', 7])
        : random.pick(VALID_STATUSES);
  const badField = (name: string): unknown =>
    name === 'client_id'
      ? random.pick(badClientIds(random.pick(clientIds)))
      : name === 'order_id'
        ? random.pick(BAD_ORDER_IDS)
        : random.pick(BAD_STATUSES);
  const names = ['client_id', 'order_id', 'status'];
  const noise = (): [string, unknown][] =>
    random.chance(0.3)
      ? [[random.pick(['__proto__', 'constructor', 'extra', random.pick(INJECTIONS)]), random.pick(UNICODE)]]
      : [];

  /** Fields where at least one is broken: wrong value, missing, or (in a form) repeated. */
  const brokenFields = (form: boolean): { kind: string; pairs: [string, unknown][] } => {
    const broken = random.pick(names);
    const defect = random.pick(form ? ['value', 'missing', 'repeated'] : ['value', 'missing', 'duplicate']);
    const pairs: [string, unknown][] = [];
    for (const name of random.shuffle(names)) {
      if (name !== broken) {
        pairs.push([name, random.chance(0.15) ? badField(name) : validField(name)]);
      } else if (defect === 'value') {
        pairs.push([name, badField(name)]);
      } else if (defect === 'repeated') {
        // `a=1&a=2` (or twice the same value) is an array to the form parser: refused as such.
        pairs.push([name, validField(name)], [name, random.chance(0.5) ? validField(name) : badField(name)]);
      } else if (defect === 'duplicate') {
        // A JSON name given twice: the last one counts, so the last one is the wrong one.
        pairs.push([name, validField(name)], [name, badField(name)]);
      }
    }
    return { kind: `${broken} ${defect}`, pairs: [...pairs, ...noise()] };
  };

  const fieldCases: (() => FuzzRequest)[] = [
    () => {
      const { kind, pairs } = brokenFields(true);
      return { kind: `form: ${kind}`, contentType: 'application/x-www-form-urlencoded', body: formOf(pairs) };
    },
    () => {
      const { kind, pairs } = brokenFields(false);
      return { kind: `json: ${kind}`, contentType: 'application/json', body: jsonOf(pairs) };
    },
  ];
  const generators: (() => FuzzRequest)[] = [
    // Broken fields are where most of the variety is: about half of the requests.
    ...fieldCases,
    ...fieldCases,
    ...fieldCases,
    ...fieldCases,
    () => ({
      kind: 'json: malformed',
      contentType: 'application/json',
      body: random.pick(MALFORMED_JSON),
    }),
    () => ({
      kind: 'json: not an object',
      contentType: 'application/json',
      body: random.pick([...NON_OBJECT_JSON, `[${jsonOf(names.map((name) => [name, validField(name)]))}]`]),
    }),
    () => {
      // A trigger that would be valid, sent as something the endpoint does not read.
      const pairs = names.map((name): [string, unknown] => [name, validField(name)]);
      const contentType = random.pick([...FOREIGN_CONTENT_TYPES, undefined]);
      const text = random.chance(0.5) ? formOf(pairs) : jsonOf(pairs);
      return { kind: `content type ${contentType ?? 'missing'}`, contentType, body: Buffer.from(text) };
    },
    () => {
      // The right type with a charset the parsers do not decode.
      const pairs = names.map((name): [string, unknown] => [name, validField(name)]);
      const json = random.chance(0.5);
      return {
        kind: 'unsupported charset',
        contentType: `${json ? 'application/json' : 'application/x-www-form-urlencoded'}; charset=${random.pick(FOREIGN_CHARSETS)}`,
        body: json ? jsonOf(pairs) : formOf(pairs),
      };
    },
    () => {
      const pairs = names.map((name): [string, unknown] => [name, validField(name)]);
      return {
        kind: 'body not gzip as announced',
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'content-encoding': random.pick(['gzip', 'deflate', 'br', 'x-unknown']) },
        body: formOf(pairs),
      };
    },
    () => {
      // Over the 16 kB limit: a valid trigger with a big extra field, or a huge value.
      const pairs = names.map((name): [string, unknown] => [name, validField(name)]);
      const size = 17_000 + random.int(60_000);
      pairs.push([random.pick(['pad', 'order_id', 'comment']), 'x'.repeat(size)]);
      const json = random.chance(0.5);
      return {
        kind: 'oversized body',
        contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
        body: json ? jsonOf(pairs) : formOf(pairs),
      };
    },
    () => {
      // More fields than the form parser takes (1,000): refused before the fields are read.
      const pairs: [string, unknown][] = names.map((name) => [name, validField(name)]);
      for (let i = 0; i < 1_001; i++) pairs.push([`f${i}`, '1']);
      return {
        kind: 'too many form fields',
        contentType: 'application/x-www-form-urlencoded',
        body: formOf(pairs),
      };
    },
    () => {
      // Well-formed, but the organization is no connection's (a guid of nobody, or a real one in upper case).
      const real = random.pick(clientIds);
      const hex = () => random.int(16).toString(16);
      const nobody = real.replace(/[0-9a-f]/g, hex);
      const pairs: [string, unknown][] = [
        ['client_id', random.pick([nobody, real.toUpperCase()])],
        ['order_id', validField('order_id')],
        ['status', validField('status')],
      ];
      return {
        kind: 'unknown client_id',
        contentType: 'application/x-www-form-urlencoded',
        body: formOf(pairs),
      };
    },
    () => {
      // Well-formed and a real connection's, but a refund of an order the connector never exported.
      const pairs: [string, unknown][] = [
        ['client_id', random.pick(clientIds)],
        ['order_id', String(1 + random.int(4_000))],
        ['status', 'refund'],
      ];
      return {
        kind: 'refund without a sale',
        contentType: 'application/x-www-form-urlencoded',
        body: formOf(pairs),
      };
    },
    () => ({
      kind: 'form: bad encoding',
      contentType: 'application/x-www-form-urlencoded',
      body: random.pick([
        'client_id=%ZZ&order_id=%&status=%E0%A4%A',
        `client_id[]=${clientIds[0]}&order_id[]=1&status[]=new`,
        'client_id&order_id&status',
        '=&=&=',
        '&&&',
        `order_id=1&status=new&client_id=${encodeURIComponent(`${clientIds[0]}\u0000`)}`,
      ]),
    }),
  ];
  return Array.from({ length: count }, () => random.pick(generators)());
}

export interface NotificationFuzzOptions {
  count: number;
  /** The notification token of a real, active connection. */
  token: string;
}

/**
 * Requests for `POST /lifepos/notifications/:token`. The receiver takes any JSON object that names its type in
 * `type_of` (a non-empty string): with the real token every body here is missing that, or is no JSON object,
 * or is too big or not JSON at all; the rest carry a token that is not a connection's.
 */
export function malformedNotifications(
  random: Random,
  { count, token }: NotificationFuzzOptions,
): FuzzRequest[] {
  const badTypeOf = (): unknown =>
    random.pick([...NOT_STRINGS, '', '   ', '\t\n', 'x'.repeat(101), 'Sale'.repeat(26)]);
  const someFields = (): [string, unknown][] =>
    Array.from({ length: random.int(4) }, () => [
      random.pick(['guid', 'sale', 'number', 'total_sum', random.pick(INJECTIONS), random.pick(UNICODE)]),
      random.pick([
        ...INJECTIONS,
        ...UNICODE,
        ...NOT_STRINGS,
        2 ** 53 + 2,
        { guid: random.pick(INJECTIONS) },
        '9'.repeat(500),
      ]),
    ]);
  const validBody = () =>
    jsonOf([
      ['type_of', random.pick(['Sale', 'SalePayment', 'SaleRefund'])],
      ['guid', 'x'],
    ]);

  const fieldCases: (() => FuzzRequest)[] = [
    () => ({
      kind: 'type_of missing',
      contentType: 'application/json',
      body: jsonOf([
        ...someFields(),
        ...(random.chance(0.5) ? [['TYPE_OF', 'Sale'] as [string, unknown]] : []),
      ]),
    }),
    () => ({
      kind: 'type_of not a non-empty string of at most 100 characters',
      contentType: 'application/json',
      body: jsonOf(random.shuffle([['type_of', badTypeOf()], ...someFields()])),
    }),
    () => ({
      kind: 'type_of given twice, the last one wrong',
      contentType: 'application/json',
      body: jsonOf([['type_of', 'Sale'], ...someFields(), ['type_of', badTypeOf()]]),
    }),
  ];
  const withRealToken: (() => FuzzRequest)[] = [
    ...fieldCases,
    ...fieldCases,
    () => ({ kind: 'malformed JSON', contentType: 'application/json', body: random.pick(MALFORMED_JSON) }),
    () => ({
      kind: 'JSON but not an object',
      contentType: random.pick(['application/json', 'text/plain', undefined]),
      body: random.pick([...NON_OBJECT_JSON, `[${validBody()}]`]),
    }),
    () => ({
      kind: 'not JSON at all',
      contentType: random.pick(['text/plain', 'application/octet-stream', undefined]),
      body: Buffer.from(random.pick(['type_of=Sale', '<xml/>', 'Sale', '\u0000\u0001\u0002', ...INJECTIONS])),
    }),
    () => ({
      kind: 'a form (notifications are JSON)',
      contentType: random.pick(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']),
      body: 'type_of=Sale&guid=x',
    }),
    () => ({
      kind: 'unsupported charset',
      contentType: `application/json; charset=${random.pick(FOREIGN_CHARSETS)}`,
      body: validBody(),
    }),
    () => ({
      kind: 'body not gzip as announced',
      contentType: 'application/json',
      headers: { 'content-encoding': random.pick(['gzip', 'deflate', 'x-unknown']) },
      body: validBody(),
    }),
    () => ({
      kind: 'oversized body (over 256 kB)',
      contentType: 'application/json',
      body: jsonOf([
        ['type_of', 'Sale'],
        ['guid', 'x'],
        ['positions', 'x'.repeat(262_145 + random.int(100_000))],
      ]),
    }),
  ];
  const wrongTokens = (): string =>
    random.pick([
      // The shape of a token, but no connection's.
      Buffer.from(Array.from({ length: 32 }, () => random.int(256))).toString('base64url'),
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
      `${token}x`,
      token.slice(1),
      'short',
      encodeURIComponent("' OR '1'='1"),
      encodeURIComponent('../../healthz'),
      encodeURIComponent(random.pick(['заказ', '🙂', '\u202e'])),
      '%00',
    ]);

  return Array.from({ length: count }, () => {
    if (random.chance(0.15)) {
      return {
        kind: 'unknown token',
        contentType: 'application/json',
        body: validBody(),
        token: wrongTokens(),
      };
    }
    return { ...random.pick(withRealToken)(), token };
  });
}
