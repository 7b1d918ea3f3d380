// The places that list the apps must agree with the apps the repository has (each apps/<name> with a
// src/main.ts): the compose file builds each of them, the Docker build turns each into dist/main.js, the local
// start script starts each, and the README's layout table names each. The layouts of the README and of
// docs/ARCHITECTURE.md name every package of packages/ too.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

const apps = readdirSync(path.join(repoRoot, 'apps'))
  .filter((name) => existsSync(path.join(repoRoot, 'apps', name, 'src', 'main.ts')))
  .sort();

const packages = readdirSync(path.join(repoRoot, 'packages'))
  .filter((name) => existsSync(path.join(repoRoot, 'packages', name, 'package.json')))
  .sort();

/** The README's «Layout» section, up to the next heading. */
function readmeLayout(): string {
  const readme = read('README.md');
  const start = readme.indexOf('## Layout');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/** Service name → its `APP` build-arg, read line by line (the compose file is plain YAML, two-space indents). */
function composeApps(): Map<string, string> {
  const byService = new Map<string, string>();
  let inServices = false;
  let service: string | undefined;
  for (const line of read('docker/compose.yaml').split('\n')) {
    if (/^\S/.test(line)) inServices = line.startsWith('services:');
    const key = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (inServices && key) service = key[1];
    const arg = /^\s+APP:\s*["']?([a-z0-9-]+)["']?\s*$/.exec(line);
    if (inServices && service && arg?.[1]) byService.set(service, arg[1]);
  }
  return byService;
}

describe('deployment truth', () => {
  it('finds the apps (a sanity check of this test itself)', () => {
    expect(apps).toEqual(expect.arrayContaining(['ingress', 'export-worker', 'console', 'sandbox']));
    expect(apps).not.toContain('e2e');
  });

  it('builds every app in docker/compose.yaml, and nothing that is not an app', () => {
    const built = composeApps();
    expect([...new Set(built.values())].sort()).toEqual(apps);
    for (const [service, app] of built) expect({ service, app }).toEqual({ service: app, app });
  });

  it('accepts any app in the Dockerfile rather than a list of its own', () => {
    const dockerfile = read('docker/Dockerfile');
    expect(dockerfile).toMatch(/apps\/\$\{APP\}\/src\/main\.ts/);
    expect(dockerfile).not.toMatch(/case "\$\{APP\}" in/);
  });

  it('starts every app in scripts/start.sh', () => {
    const script = read('scripts/start.sh');
    const started = [...script.matchAll(/^start_app ([a-z0-9-]+) \d+$/gm)].map((m) => m[1]);
    const sandbox = /^\(cd apps\/sandbox && /m.test(script) ? ['sandbox'] : [];
    expect([...started, ...sandbox].sort()).toEqual(apps);
  });

  it('names every app in the README layout table', () => {
    const layout = readmeLayout();
    for (const app of apps)
      expect({ app, listed: layout.includes(`apps/${app}`) }).toEqual({ app, listed: true });
  });

  it('names every package in the README layout table and in docs/ARCHITECTURE.md', () => {
    expect(packages).toEqual(expect.arrayContaining(['db', 'queue', 'tenant']));
    const layout = readmeLayout();
    const architecture = read('docs/ARCHITECTURE.md');
    const tree = architecture.slice(architecture.indexOf('\npackages/\n'), architecture.indexOf('\nprisma/'));
    for (const name of packages) {
      expect({
        name,
        readme: layout.includes(`packages/${name}`),
        architecture: tree.includes(`\n  ${name}/ `),
      }).toEqual({ name, readme: true, architecture: true });
    }
  });

  it('gives every app a dist/main.js after its build', () => {
    const filters = apps.map((app) => `--filter=@connector/${app}`);
    try {
      execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
        cwd: repoRoot,
        stdio: 'pipe',
        timeout: 280_000,
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`the build failed:\n${String(stdout ?? '')}\n${String(stderr ?? '')}`.slice(-6_000));
    }
    for (const app of apps) {
      const name = JSON.parse(read(`apps/${app}/package.json`)).name as string;
      expect({ app, name, main: existsSync(path.join(repoRoot, 'apps', app, 'dist', 'main.js')) }).toEqual({
        app,
        name: `@connector/${app}`,
        main: true,
      });
    }
  }, 300_000);
});
