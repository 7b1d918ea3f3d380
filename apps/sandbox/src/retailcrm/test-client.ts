/**
 * A deliberately tiny RetailCRM client for the simulator's own contract tests (the real client lives in
 * packages/retailcrm, which depends on this sandbox, so it cannot be used here). It sends exactly what
 * it is told, so tests can also send what a wrong client would.
 */
export interface RcResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
  body: any;
}

export type FormFields = Record<string, string | Record<string, unknown>>;

async function read(response: Response): Promise<RcResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Nested values become the JSON-string fields RetailCRM expects (docs/RETAILCRM-API.md, «POST bodies»). */
function formValues(fields: FormFields): [string, string][] {
  return Object.entries(fields).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

export class RcTestClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey?: string,
  ) {}

  withKey(apiKey: string | undefined): RcTestClient {
    return new RcTestClient(this.baseUrl, apiKey);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Accept: 'application/json', ...(this.apiKey ? { 'X-API-KEY': this.apiKey } : {}), ...extra };
  }

  /** `query` is sent verbatim, so tests control the bracket style. */
  async get(path: string, query = ''): Promise<RcResponse> {
    const response = await fetch(`${this.baseUrl}${path}${query ? `?${query}` : ''}`, {
      headers: this.headers(),
    });
    return read(response);
  }

  async post(path: string, fields: FormFields = {}, query = ''): Promise<RcResponse> {
    const response = await fetch(`${this.baseUrl}${path}${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers: this.headers({ 'Content-Type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams(formValues(fields)).toString(),
    });
    return read(response);
  }

  async postMultipart(path: string, fields: FormFields): Promise<RcResponse> {
    const form = new FormData();
    for (const [name, value] of formValues(fields)) form.append(name, value);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: this.headers(),
      body: form,
    });
    return read(response);
  }

  async postJson(path: string, body: unknown): Promise<RcResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: this.headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(body),
    });
    return read(response);
  }
}

/** Bounded polling for asynchronous effects (a trigger arriving at a test server). */
export async function pollUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
