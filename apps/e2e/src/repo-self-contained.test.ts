// The repository documents itself: no file points outside it (design notes or references kept elsewhere),
// none cites the numbers of a tracker the reader cannot see, every relative Markdown link resolves, and
// every citation of docs/*.md — a section «…», an #anchor, a gap id — names something that document has.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));

/** Generated or vendored text that the project does not write by hand. */
const SKIPPED = [/(^|\/)node_modules\//, /(^|\/)generated\//, /(^|\/)dist\//, /^pnpm-lock\.yaml$/];

/** Tracked files, and new ones not ignored yet, so a file fails before it is committed too. */
function repoFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(listed.split('\0'))]
    .filter((file) => file !== '' && file !== SELF && !SKIPPED.some((pattern) => pattern.test(file)))
    .filter((file) => existsSync(path.join(ROOT, file)) && statSync(path.join(ROOT, file)).isFile())
    .sort();
}

/** Text files only (no NUL in the first 8 KB), at most 2 MB each. */
function readText(file: string): string | undefined {
  const full = path.join(ROOT, file);
  if (statSync(full).size > 2 * 1024 * 1024) return undefined;
  const bytes = readFileSync(full);
  return bytes.subarray(0, 8192).includes(0) ? undefined : bytes.toString('utf8');
}

/** Text outside the repository and references to issue numbers nobody reading the code can open. */
export const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: 'a path into a sibling shared/ folder', pattern: /\.\.\/shared\// },
  { name: 'an issue number', pattern: /\bissues? #?\d+/i },
  { name: 'an issue number', pattern: /\(#\d+\)/ },
];

export interface Finding {
  file: string;
  line: number;
  problem: string;
}

export function forbiddenText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const { name, pattern } of FORBIDDEN) {
      const match = pattern.exec(line);
      if (match) findings.push({ file, line: index + 1, problem: `${name}: "${match[0]}"` });
    }
  });
  return findings;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → hyphens, repeats numbered. */
export function headingAnchors(markdown: string): { anchors: Set<string>; headings: Set<string> } {
  const anchors = new Set<string>();
  const headings = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const match = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match?.[1]) continue;
    const heading = match[1].trim();
    headings.add(heading);
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return { anchors, headings };
}

/** Inline links and images `[text](target)` and reference definitions `[id]: target`, outside code. */
export function markdownLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((raw, index) => {
    if (/^\s*(```|~~~)/.test(raw)) fenced = !fenced;
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (match[1]) links.push({ target: match[1], line: index + 1 });
    }
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(line);
    if (definition?.[1]) links.push({ target: definition[1], line: index + 1 });
  });
  return links;
}

const anchorCache = new Map<string, ReturnType<typeof headingAnchors>>();
function anchorsOf(file: string): ReturnType<typeof headingAnchors> {
  let found = anchorCache.get(file);
  if (!found) {
    found = headingAnchors(readFileSync(path.join(ROOT, file), 'utf8'));
    anchorCache.set(file, found);
  }
  return found;
}

/** A relative link must stay inside the repository, name something that exists, and an existing heading. */
export function brokenLinks(file: string, markdown: string): Finding[] {
  const findings: Finding[] = [];
  for (const { target, line } of markdownLinks(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, mailto:, …
    const [pathPart = '', fragment] = target.split('#', 2);
    const linked =
      pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
    const problem = (text: string) => findings.push({ file, line, problem: `${text}: ${target}` });
    if (linked.startsWith('../') || path.posix.isAbsolute(linked)) {
      problem('link leaves the repository');
      continue;
    }
    if (!existsSync(path.join(ROOT, decodeURIComponent(linked)))) {
      problem('link to a path that does not exist');
      continue;
    }
    if (fragment && linked.endsWith('.md') && !anchorsOf(linked).anchors.has(decodeURIComponent(fragment))) {
      problem('link to a heading that does not exist');
    }
  }
  return findings;
}

const DOCS = ['ARCHITECTURE', 'RETAILCRM-API', 'LIFEPOS-API'] as const;
/** `docs/LIFEPOS-API.md, «Sales», «Money documents»`, `docs/LIFEPOS-API.md («Sales»)`, `docs/X.md#anchor`. */
const CITATION =
  /docs\/(ARCHITECTURE|RETAILCRM-API|LIFEPOS-API)\.md(#[\p{L}\p{N}_-]+)?(?:,?\s*\(?((?:«[^»\n]+»(?:,\s*|\s+and\s+)?)+))?/gu;

/** Citations of the three design documents name sections, anchors and gap ids that exist there. */
export function brokenCitations(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(CITATION)) {
      const doc = `docs/${match[1]}.md`;
      const { anchors, headings } = anchorsOf(doc);
      const anchor = match[2]?.slice(1);
      if (anchor && !anchors.has(anchor)) {
        findings.push({ file, line: index + 1, problem: `no heading #${anchor} in ${doc}` });
      }
      for (const section of match[3]?.matchAll(/«([^»]+)»/g) ?? []) {
        if (section[1] && !headings.has(section[1])) {
          findings.push({ file, line: index + 1, problem: `no section «${section[1]}» in ${doc}` });
        }
      }
    }
    for (const [id, doc] of [
      [/\bCRM-(\d+)\b/g, 'docs/RETAILCRM-API.md'],
      [/\bG-(\d+)\b/g, 'docs/LIFEPOS-API.md'],
    ] as const) {
      for (const match of line.matchAll(id)) {
        if (!gapIds(doc).has(match[0])) {
          findings.push({ file, line: index + 1, problem: `gap ${match[0]} is not defined in ${doc}` });
        }
      }
    }
  });
  return findings;
}

const gapCache = new Map<string, Set<string>>();
function gapIds(doc: string): Set<string> {
  let ids = gapCache.get(doc);
  if (!ids) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    ids = new Set([...text.matchAll(/^\|\s*((?:CRM|G)-\d+)\s*\|/gm)].map((match) => match[1] ?? ''));
    gapCache.set(doc, ids);
  }
  return ids;
}

const show = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line}: ${f.problem}`);

describe('the repository is self-contained in its documentation', () => {
  const files = repoFiles();
  const texts = files.flatMap((file) => {
    const text = readText(file);
    return text === undefined ? [] : [{ file, text }];
  });

  it('has the design documents the code cites', () => {
    for (const doc of DOCS) expect(files).toContain(`docs/${doc}.md`);
    expect(texts.length).toBeGreaterThan(100);
  });

  it('points nowhere outside the repository and cites no issue numbers', () => {
    expect(show(texts.flatMap(({ file, text }) => forbiddenText(file, text)))).toEqual([]);
  });

  it('has no relative Markdown link to a missing path or heading', () => {
    const markdown = texts.filter(({ file }) => file.endsWith('.md'));
    expect(markdown.length).toBeGreaterThan(3);
    expect(show(markdown.flatMap(({ file, text }) => brokenLinks(file, text)))).toEqual([]);
  });

  it('cites only sections, anchors and gap ids the design documents have', () => {
    expect(show(texts.flatMap(({ file, text }) => brokenCitations(file, text)))).toEqual([]);
  });

  it('catches each kind of problem (the checks themselves)', () => {
    // Built from parts, so that this file does not contain what it forbids.
    const [up, hash, issue] = [`..${'/'}shared/`, '#', 'issue'];
    expect(forbiddenText('x.ts', `// see ${up}design/ARCHITECTURE.md`)).toHaveLength(1);
    expect(forbiddenText('x.ts', `// done in ${issue} 9`)).toHaveLength(1);
    expect(forbiddenText('x.ts', `// Issue ${hash}12: …`)).toHaveLength(1);
    expect(forbiddenText('x.md', `Fixed the limiter (${hash}15).`)).toHaveLength(1);
    expect(forbiddenText('x.ts', 'header { color: #111; } // RetailCRM history #42')).toEqual([]);
    expect(brokenLinks('README.md', `[a](docs/NOPE.md) [b](${up}x.md) [c](https://x.org/y)`)).toHaveLength(2);
    expect(
      brokenLinks('README.md', '[ok](docs/ARCHITECTURE.md#rate-limiter) [no](docs/ARCHITECTURE.md#nope)'),
    ).toEqual([
      expect.objectContaining({
        problem: 'link to a heading that does not exist: docs/ARCHITECTURE.md#nope',
      }),
    ]);
    expect(brokenLinks('x.md', '`[not](a/link.md)`\n```\n[nor](this.md)\n```')).toEqual([]);
    expect(brokenCitations('x.ts', '// (docs/LIFEPOS-API.md, «Sales», «No such section»)')).toEqual([
      expect.objectContaining({ problem: 'no section «No such section» in docs/LIFEPOS-API.md' }),
    ]);
    expect(
      brokenCitations('x.ts', '// docs/RETAILCRM-API.md, gap CRM-99; G-1; docs/LIFEPOS-API.md#quirks'),
    ).toEqual([expect.objectContaining({ problem: 'gap CRM-99 is not defined in docs/RETAILCRM-API.md' })]);
    expect(
      headingAnchors('## Sign-in and tokens\n## «Quoted» — dash\n## Sign-in and tokens').anchors,
    ).toEqual(new Set(['sign-in-and-tokens', 'quoted--dash', 'sign-in-and-tokens-1']));
  });
});
