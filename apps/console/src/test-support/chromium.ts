// Test-only (not built): the console in real headless Chromium (the Debian package, driven by
// playwright-core), a profile of the test file's own, signed in as the operator if asked, and the steps the
// browser tests share. Screenshots go to apps/console/artifacts/ (gitignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tenant } from '@connector/testkit';
import { afterAll, beforeAll } from '@jest/globals';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  type ConsoleFixture,
  startConsoleFixture,
} from './console-fixture.js';

export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
export const WIDE = { width: 1366, height: 900 };
export const NARROW = { width: 390, height: 844 };

export interface ConsoleInChromium {
  fx: ConsoleFixture;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface ConsoleInChromiumOptions {
  /** The start of the profile folder's name (in the system's temporary folder). */
  profilePrefix: string;
  viewport?: { width: number; height: number };
  /** Sign in as the operator before the first test (default true). */
  signedIn?: boolean;
}

/** The console fixture and a Chromium page on it; `close` ends both and removes the profile. */
export async function openConsoleInChromium(options: ConsoleInChromiumOptions): Promise<ConsoleInChromium> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const fx = await startConsoleFixture();
  const profile = mkdtempSync(join(tmpdir(), options.profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: options.viewport ?? WIDE,
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  if (options.signedIn ?? true) await signIn(page, fx.console.url);
  return {
    fx,
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      await fx.close();
    },
  };
}

/**
 * Opens the console in Chromium before the test file's first test (handing it to `opened`, e.g. to set the
 * file's `fx` and `page`) and closes it after its last: the Jest hooks are registered by this call.
 */
export function useConsoleInChromium(
  options: ConsoleInChromiumOptions,
  opened: (browser: ConsoleInChromium) => void,
): void {
  let browser: ConsoleInChromium | undefined;
  beforeAll(async () => {
    browser = await openConsoleInChromium(options);
    opened(browser);
  });
  afterAll(() => browser?.close());
}

/** Signs in through the login page as the operator; returns on the connections page. */
export async function signIn(page: Page, consoleUrl: string): Promise<void> {
  await page.goto(`${consoleUrl}/login`);
  await page.getByLabel('Пользователь').fill(CONSOLE_USER);
  await page.getByLabel('Пароль').fill(CONSOLE_PASSWORD);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(`${consoleUrl}/connections`);
}

/** Fills the open connection form's main fields as a shop admin would (an override of '' clears a field). */
export async function fillConnectionForm(
  page: Page,
  tenant: Tenant,
  overrides: Partial<Record<string, string>> = {},
): Promise<void> {
  const values: Partial<Record<string, string>> = {
    lifeposOrgId: tenant.orgId,
    lifeposPhone: tenant.phone,
    lifeposPassword: tenant.password,
    retailcrmUrl: tenant.baseUrl,
    retailcrmApiKey: tenant.apiKey,
    errorUserGroupCode: tenant.errorGroup.code,
    cashPaymentTypeCode: tenant.paymentTypes.cash,
    cashlessPaymentTypeCode: tenant.paymentTypes.card,
    ...overrides,
  };
  for (const [field, value] of Object.entries(values)) await page.locator(`#${field}`).fill(value ?? '');
}

/**
 * Screenshots of the page at 1366 and 390 px (`<name>-1366.png`, `<name>-390.png`); resolves to how many
 * pixels the page scrolls sideways at 390 px (0 when it fits). The page is back at 1366 px after.
 */
export async function screenshotsWideAndNarrow(page: Page, name: string): Promise<number> {
  await page.setViewportSize(WIDE);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-1366.png`), fullPage: true });
  await page.setViewportSize(NARROW);
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  await page.screenshot({ path: join(ARTIFACTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize(WIDE);
  return overflow;
}
