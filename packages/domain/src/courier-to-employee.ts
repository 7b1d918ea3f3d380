/**
 * Courier → employee decisions (docs/ARCHITECTURE.md, «Store and courier sync»): every RetailCRM courier
 * assigned to an order becomes a LIFE POS employee with the courier role and a `Mobile` workplace of its own.
 * No I/O: the sync feeds in the courier (`/reference/couriers`, docs/RETAILCRM-API.md, «Reference books») and
 * what LIFE POS holds.
 */

/** LIFE POS employee `name`: 5–64 characters; `username`: 2–24 (docs/LIFEPOS-API.md, «Employees»). */
const NAME_MIN = 5;
const NAME_MAX = 64;
const USERNAME_MIN = 2;
const USERNAME_MAX = 24;
/** Workplace `name`: at most 128 (docs/LIFEPOS-API.md, «Workplaces»). */
const WORKPLACE_NAME_MAX = 128;

export interface CourierInput {
  id: number;
  firstName?: string | undefined;
  lastName?: string | undefined;
  phone?: { number?: string | undefined } | null | undefined;
}

export interface DeliveryCourierInput {
  integrationCode?: string | undefined;
  data?:
    | {
        courierId?: number | undefined;
        id?: number | undefined;
        firstName?: string | undefined;
        lastName?: string | undefined;
      }
    | undefined;
}

const positiveInt = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;

/**
 * The courier of an order's delivery (docs/RETAILCRM-API.md, «Courier of an order»):
 * `delivery.data.courierId`, or the expanded courier's `id` — only for the built-in courier delivery, where
 * `data.id` is a courier and not some integration's own id.
 */
export function courierIdOfDelivery(delivery: DeliveryCourierInput | undefined): number | undefined {
  const data = delivery?.data;
  if (!data) return undefined;
  const courierId = positiveInt(data.courierId);
  if (courierId !== undefined) return courierId;
  const looksLikeCourier = data.firstName !== undefined || data.lastName !== undefined;
  return delivery?.integrationCode === 'courier' && looksLikeCourier ? positiveInt(data.id) : undefined;
}

/**
 * The phone as LIFE POS accepts it (`+7` and ten digits, which its phone pattern matches), or undefined
 * when it is not a Russian number: `8 (916) 111-22-33`, `+7 916 1112233`, `9161112233` → `+79161112233`.
 */
export function normalizePhone(phone: string | null | undefined): string | undefined {
  const digits = (phone ?? '').replace(/\D/g, '');
  if (digits.length === 10) return `+7${digits}`;
  if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8')))
    return `+7${digits.slice(1)}`;
  return undefined;
}

/** Phones compare by their normalised form (raw digits when not normalisable). */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const key = (phone: string | null | undefined) => normalizePhone(phone) ?? (phone ?? '').replace(/\D/g, '');
  const left = key(a);
  return left !== '' && left === key(b);
}

function tidy(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** "Имя Фамилия"; padded to LIFE POS's 5 characters with the word «Курьер», cut at 64. */
export function employeeNameFor(courier: CourierInput): string {
  let name = tidy(`${courier.firstName ?? ''} ${courier.lastName ?? ''}`);
  if (name === '') name = `Курьер ${courier.id}`;
  else if (name.length < NAME_MIN) name = `Курьер ${name}`;
  return name.length > NAME_MAX ? name.slice(0, NAME_MAX).trimEnd() : name;
}

/** The courier's own workplace: named after the courier so people recognise it in LIFE POS. */
export function workplaceNameFor(employeeName: string): string {
  return `Курьер: ${employeeName}`.slice(0, WORKPLACE_NAME_MAX).trimEnd();
}

/** `meta` of the employee and workplace made for a courier: finds them again after a crash before the link. */
export function courierMeta(courierId: number): string {
  return `retailcrm-courier:${courierId}`;
}

const TRANSLIT: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/** Latin letters and digits only (the charset of LIFE POS aliases), Cyrillic transliterated. */
function latin(text: string | undefined): string {
  return [...(text ?? '').toLowerCase()]
    .map((char) => TRANSLIT[char] ?? char.normalize('NFKD').replace(/[^a-z0-9]/g, ''))
    .join('');
}

function cut(base: string, room: number): string {
  return base.slice(0, room).replace(/_+$/, '');
}

/**
 * Usernames to try, best first: `ivan_petrov`, then with the courier id (`ivan_petrov_12`), then numbered
 * (`ivan_petrov_12_2`, …). Each fits LIFE POS's 2–24 characters.
 */
export function usernameCandidates(courier: CourierInput, count = 5): string[] {
  let base = [latin(courier.firstName), latin(courier.lastName)].filter(Boolean).join('_');
  if (base.length < USERNAME_MIN) base = 'courier';
  const suffixes = ['', `_${courier.id}`];
  for (let n = 2; suffixes.length < count; n += 1) suffixes.push(`_${courier.id}_${n}`);
  return suffixes.slice(0, count).map((suffix) => cut(base, USERNAME_MAX - suffix.length) + suffix);
}

/** The first candidate nobody has (usernames compare case-insensitively). */
export function pickUsername(candidates: readonly string[], taken: Iterable<string>): string | undefined {
  const used = new Set([...taken].map((name) => name.toLowerCase()));
  return candidates.find((candidate) => !used.has(candidate.toLowerCase()));
}

export interface EmployeeSnapshot {
  name: string | null;
  phone: string | null;
}

export interface EmployeeFields {
  name: string;
  /** Normalised; undefined when the courier has no usable phone (the stored one is then kept). */
  phone: string | undefined;
}

/** The LIFE POS fields (API names) that differ from the courier in RetailCRM; empty when in step. */
export function employeePatchFor(current: EmployeeSnapshot, wanted: EmployeeFields): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (tidy(current.name) !== wanted.name) patch.name = wanted.name;
  if (wanted.phone !== undefined && !samePhone(current.phone, wanted.phone)) patch.phone = wanted.phone;
  return patch;
}

export interface PhoneHolderCandidate {
  guid: string;
  phone: string | null;
  /** Set when the employee is archived. */
  deletedAt: string | null;
}

/**
 * Who in LIFE POS already has the courier's phone (an organization's phones are unique among its
 * employees): `employee` = an alive employee the courier is linked to instead of creating one; `owner` =
 * the organization's owner, never a courier's employee; `archived` = only an archived employee, which the
 * API cannot restore (no restore operation, JSON Patch on archived objects is refused); `none`.
 */
export type PhoneHolder<T> =
  | { kind: 'employee'; employee: T }
  | { kind: 'owner'; employee: T }
  | { kind: 'archived'; employee: T }
  | { kind: 'none' };

export function phoneHolderOf<T extends PhoneHolderCandidate>(
  phone: string,
  employees: readonly T[],
  ownerGuid: string | undefined,
): PhoneHolder<T> {
  const holders = employees.filter((employee) => samePhone(employee.phone, phone));
  const alive = holders.filter((employee) => employee.deletedAt === null);
  const employee = alive.find((candidate) => candidate.guid !== ownerGuid);
  if (employee) return { kind: 'employee', employee };
  const owner = alive.find((candidate) => candidate.guid === ownerGuid);
  if (owner) return { kind: 'owner', employee: owner };
  const archived = holders.find((candidate) => candidate.deletedAt !== null);
  return archived ? { kind: 'archived', employee: archived } : { kind: 'none' };
}
