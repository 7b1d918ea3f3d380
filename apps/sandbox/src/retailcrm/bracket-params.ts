/**
 * PHP `parse_str` semantics for query strings and urlencoded bodies (docs/RETAILCRM-API.md,
 * «GET query strings»): RetailCRM runs on PHP/Symfony, so `filter[ids][]=1`, `filter[ids][0]=1` and
 * `filter[customFields][nps][min]=5` all arrive as nested structures. A container whose keys are all integers
 * becomes an array.
 */
export type ParamValue = string | ParamValue[] | { [key: string]: ParamValue };
export type Params = { [key: string]: ParamValue };

interface Container {
  entries: Map<string, Container | string>;
  nextIndex: number;
}

const newContainer = (): Container => ({ entries: new Map(), nextIndex: 0 });

function decode(part: string): string {
  const spaced = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** `a[b][]` → `['a', 'b', '']`; a key with unbalanced brackets is taken literally, as PHP does. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return [key];
    segments.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  return segments;
}

function keyFor(container: Container, segment: string): string {
  if (segment !== '') {
    if (/^(0|[1-9]\d*)$/.test(segment))
      container.nextIndex = Math.max(container.nextIndex, Number(segment) + 1);
    return segment;
  }
  const key = String(container.nextIndex);
  container.nextIndex += 1;
  return key;
}

function assign(root: Container, segments: string[], value: string): void {
  let container = root;
  for (let index = 0; index < segments.length; index += 1) {
    const key = keyFor(container, segments[index] ?? '');
    if (index === segments.length - 1) {
      container.entries.set(key, value);
      return;
    }
    const existing = container.entries.get(key);
    if (existing !== undefined && typeof existing !== 'string') {
      container = existing;
    } else {
      const child = newContainer();
      container.entries.set(key, child);
      container = child;
    }
  }
}

function materialize(container: Container): ParamValue {
  const entries = [...container.entries].map(([key, value]): [string, ParamValue] => [
    key,
    typeof value === 'string' ? value : materialize(value),
  ]);
  if (entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key)))
    return entries.map(([, value]) => value);
  // fromEntries defines own properties, so a `__proto__` key cannot reach the prototype.
  return Object.fromEntries(entries);
}

export function parseBracketParams(input: string): Params {
  const root = newContainer();
  for (const pair of input.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawKey = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? '' : pair.slice(equals + 1);
    const key = decode(rawKey);
    if (key === '') continue;
    assign(root, splitKey(key), decode(rawValue));
  }
  const result = materialize(root);
  return Array.isArray(result) || typeof result === 'string'
    ? Object.fromEntries(Object.entries(result))
    : result;
}

/** A parameter read as a list: `x[]=1&x[]=2`, `x[0]=1`, or a single scalar `x=1`. */
export function paramList(value: ParamValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.filter((item): item is string => typeof item === 'string');
}

export function paramString(value: ParamValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function isParams(value: ParamValue | undefined): value is Params {
  return value !== undefined && typeof value === 'object' && !Array.isArray(value);
}
