/**
 * A deliberately tiny LIFE POS client for the simulator's own contract tests (the real client lives in
 * packages/lifepos, which depends on this sandbox, so it cannot be used here).
 */

export const CLIENT_HEADERS: Readonly<Record<string, string>> = {
  'X-LP-Client-Identifier': '6f1d3c1e-2b1f-4d7a-9a57-0c5d7c0f9e11',
  'X-LP-Client-Type': 'Service',
  'Accept-Language': 'ru-RU',
};

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's token; `null` sends no Authorization header. */
  token?: string | null;
  contentType?: string;
}

export class TestApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...CLIENT_HEADERS, ...options.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  get(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('GET', path, options);
  }

  post(path: string, body: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('POST', path, { ...options, body });
  }

  patch(path: string, body: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('PATCH', path, { ...options, body });
  }

  delete(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('DELETE', path, options);
  }

  async signIn(phone: string, password: string): Promise<string> {
    const response = await this.post('/auth/sign-in-by-phone', { phone, password }, { token: null });
    if (response.status !== 200)
      throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
    this.token = response.body.token as string;
    return this.token;
  }
}

/** Bounded polling for tests: resolves with the first truthy probe result or fails after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 5_000, what = 'condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
