// The reference inside the repository stays true: docs/commands.md is what the commands say about
// themselves (regenerate with `npm run docs`), every link resolves inside the repository, the
// README shows every command group, every error code and environment variable is documented,
// and LICENSE matches package.json.

import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderReferenceMarkdown, type CommandReference } from '../../src/cli/reference.js';
import { forge } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFile(join(root, path), 'utf8');
const exists = (path: string) => stat(path).then(() => true, () => false);

let commands: CommandReference[];
let reference: string;

beforeAll(async () => {
  const r = await forge(['help', '--json'], { cwd: root });
  expect(r.code).toBe(0);
  commands = r.json().commands;
  reference = await read('docs/commands.md');
}, 60_000);

/** The section of docs/commands.md about one command. */
function section(command: string): string {
  const start = reference.indexOf(`\n## \`forge ${command}\`\n`);
  if (start < 0) return '';
  const end = reference.indexOf('\n## ', start + 1);
  return reference.slice(start, end < 0 ? undefined : end);
}

describe('docs/commands.md', () => {
  it('has a section for every command, naming each of its arguments and flags', () => {
    const missing: string[] = [];
    for (const c of commands) {
      const text = section(c.command);
      if (!text) {
        missing.push(`forge ${c.command}`);
        continue;
      }
      for (const a of c.arguments) if (!text.includes(`\`${a.name}\``)) missing.push(`forge ${c.command} ${a.name}`);
      for (const f of c.flags) if (!f.global && f.name !== 'json' && !text.includes(`--${f.name}`)) missing.push(`forge ${c.command} --${f.name}`);
    }
    for (const flag of ['--json', '-q, --quiet', '-v, --verbose']) if (!reference.includes(`\`${flag}\``)) missing.push(flag);
    expect(missing, "missing from docs/commands.md: run 'npm run docs'").toEqual([]);
  });

  it("is exactly what 'npm run docs' generates from the commands", () => {
    expect(reference, "docs/commands.md is out of date: run 'npm run docs'").toBe(renderReferenceMarkdown(commands, { bin: 'forge', regenerate: 'npm run docs' }));
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

async function markdownFiles(): Promise<string[]> {
  return ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

describe('links', () => {
  it('every relative link in README.md and docs/ resolves to a file (and heading) inside the repository', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [path, hash] = target!.split('#');
        const abs = path ? resolve(root, dirname(file), path) : join(root, file);
        const inside = !relative(root, abs).startsWith('..');
        if (!inside || /(^|\/)shared\//.test(target!) || !(await exists(abs))) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (hash && abs.endsWith('.md')) {
          const headings = [...(await readFile(abs, 'utf8')).matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1]!));
          if (!headings.includes(hash)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links into docs/ for the reference', async () => {
    const readme = await read('README.md');
    for (const page of ['docs/commands.md', 'docs/forge-yaml.md', 'docs/forge-lock-yaml.md', 'docs/component-yaml.md', 'docs/environment.md', 'docs/exit-codes.md']) {
      expect(readme).toContain(`](${page})`);
    }
  });
});

describe('README', () => {
  it('shows an example of every command group', async () => {
    const readme = await read('README.md');
    const groups = [...new Set(commands.map((c) => c.command.split(' ')[0]!))];
    expect(groups.filter((g) => !new RegExp(`^forge ${g}\\b`, 'm').test(readme))).toEqual([]);
  });

  it('says how to put forge on PATH', async () => {
    expect(await read('README.md')).toMatch(/npm install -g [^\n]*\./);
  });
});

describe('what the reference must name', () => {
  it('every error code forge can print is in docs/exit-codes.md', async () => {
    const codes = [...(await read('src/errors.ts')).matchAll(/\|\s*'(E_[A-Z_]+)'/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(10);
    const page = await read('docs/exit-codes.md');
    expect(codes.filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  });

  it('every environment variable forge reads is in docs/environment.md', async () => {
    // Not for users: the demo's CGI bridge, the shell's own, and crash-test hooks.
    const notForUsers = new Set(['PATH', 'HOME', 'NODE_ENV', 'FORGE_TEST_KILL_AT', 'FORGE_TEST_SECOND_MS']);
    const names = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (path !== 'src/demo') await walk(path);
        } else if (path.endsWith('.ts')) {
          for (const m of (await read(path)).matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]|['"]((?:GH|GITHUB|FORGE)_[A-Z0-9_]+)['"]/g)) names.add((m[1] ?? m[2] ?? m[3])!);
        }
      }
    };
    await walk('src');
    const page = await read('docs/environment.md');
    expect([...names].filter((n) => !notForUsers.has(n) && !page.includes(`\`${n}\``)).sort()).toEqual([]);
  });
});

describe('LICENSE', () => {
  it('is the license package.json declares', async () => {
    const pkg = JSON.parse(await read('package.json')) as { license: string };
    expect(pkg.license).toBe('MIT');
    const license = await read('LICENSE');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Permission is hereby granted, free of charge');
  });
});
