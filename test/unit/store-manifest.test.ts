import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { createManifestStore, ensureGitignore, parseManifest } from '../../src/store/manifest.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'forge-manifest-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha = 'a1b2c3d4e5f6789012345678901234567890abcd';

async function readError(text: string): Promise<ForgeError> {
  await writeFile(join(root, 'forge.yaml'), text);
  const error = await createManifestStore(root).read().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ForgeError);
  // A read never touches the file.
  expect(await readFile(join(root, 'forge.yaml'), 'utf8')).toBe(text);
  return error as ForgeError;
}

function component(body: string, name = 'lookup'): string {
  return `components:\n  ${name}:\n${body
    .trim()
    .split('\n')
    .map((line) => `    ${line.trim()}`)
    .join('\n')}\n`;
}

describe('forge.yaml is read into component specs', () => {
  it('reads the contract example with defaults left undefined', async () => {
    await writeFile(
      join(root, 'forge.yaml'),
      `components:
  salesforce-lookup:                       # local name
    repository: github.com/company/crm-tools
    path: components/tools/salesforce-lookup/
    version: ^2.1.0
  pinned:
    repository: http://127.0.0.1:8080/repo.git
    commit: ${sha.toUpperCase()}
    dest: vendor/pinned
  follows:
    repository: https://git.example.com/org/repo
    path: x
    ref: release/1.x
`,
    );
    const manifest = await createManifestStore(root).read();
    expect(manifest.components).toEqual([
      {
        name: 'salesforce-lookup',
        repository: 'github.com/company/crm-tools',
        path: 'components/tools/salesforce-lookup',
        dest: undefined,
        selector: { kind: 'version', range: '^2.1.0' },
        line: 2,
      },
      { name: 'pinned', repository: 'http://127.0.0.1:8080/repo.git', path: undefined, dest: 'vendor/pinned', selector: { kind: 'commit', commit: sha }, line: 6 },
      { name: 'follows', repository: 'https://git.example.com/org/repo', path: 'x', dest: undefined, selector: { kind: 'ref', ref: 'release/1.x' }, line: 10 },
    ]);
  });

  it('an empty file or empty components means no components', () => {
    expect(parseManifest('').components).toEqual([]);
    expect(parseManifest('components:\n').components).toEqual([]);
    expect(parseManifest('components: {}\n').components).toEqual([]);
  });

  it('a missing forge.yaml says to run forge init (exit 2)', async () => {
    const error = (await createManifestStore(root).read().catch((e: unknown) => e)) as ForgeError;
    expect(error.code).toBe('E_MANIFEST_MISSING');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`No forge.yaml in ${root}. Run 'forge init' first.`);
  });
});

describe('every bad forge.yaml gives exit 2 naming file:line, component and field, and leaves the file unchanged', () => {
  const cases: { name: string; text: string; line: number; field: string | null; component: string | null; says: RegExp; code?: string }[] = [
    { name: 'broken YAML syntax', text: 'components:\n  a: [x\n  b: 1\n', line: 3, field: null, component: null, says: /forge\.yaml:3:\d+: YAML syntax error/ },
    { name: 'bare * as version', text: component('repository: github.com/o/r\nversion: *'), line: 4, field: null, component: null, says: /quoted/ },
    { name: 'bad range', text: component('repository: github.com/o/r\nversion: ^1.x.y.z'), line: 4, field: 'version', component: 'lookup', says: /not a valid semver range/, code: 'E_BAD_RANGE' },
    { name: 'path escaping with ..', text: component('repository: github.com/o/r\npath: ../../etc\nversion: ^1.0.0'), line: 4, field: 'path', component: 'lookup', says: /outside the repository/, code: 'E_PATH_ESCAPES' },
    { name: 'absolute dest', text: component('repository: github.com/o/r\ndest: /etc/x\nversion: ^1.0.0'), line: 4, field: 'dest', component: 'lookup', says: /absolute/, code: 'E_PATH_ESCAPES' },
    { name: 'unknown field typo', text: component('repository: github.com/o/r\nverison: ^1.0.0\nversion: ^1.0.0'), line: 4, field: 'verison', component: 'lookup', says: /did you mean 'version'/ },
    { name: 'repo: for repository (issue 8.4: it said ref)', text: component('repository: github.com/o/r\nrepo: github.com/o/r\nversion: ^1.0.0'), line: 4, field: 'repo', component: 'lookup', says: /did you mean 'repository'/ },
    { name: 'branch: for ref', text: component('repository: github.com/o/r\nversion: ^1.0.0\nbranch: main'), line: 5, field: 'branch', component: 'lookup', says: /did you mean 'ref'/ },
    { name: 'git scheme', text: component('repository: git://github.com/o/r\nversion: ^1.0.0'), line: 3, field: 'repository', component: 'lookup', says: /'git' scheme/, code: 'E_BAD_REPOSITORY' },
    { name: 'file URL on another host', text: component('repository: file://server/tmp/repo\nversion: ^1.0.0'), line: 3, field: 'repository', component: 'lookup', says: /this machine/, code: 'E_BAD_REPOSITORY' },
    { name: 'ssh with a password', text: component('repository: ssh://git:pw@github.com/o/r.git\nversion: ^1.0.0'), line: 3, field: 'repository', component: 'lookup', says: /password/, code: 'E_BAD_REPOSITORY' },
    { name: 'credentials in URL', text: component('repository: https://user:pw@github.com/o/r\nversion: ^1.0.0'), line: 3, field: 'repository', component: 'lookup', says: /credentials.*GH_TOKEN/, code: 'E_BAD_REPOSITORY' },
    { name: 'duplicate names', text: component('repository: github.com/o/r\nversion: ^1.0.0') + '  lookup:\n    repository: github.com/o/r\n    version: ^2.0.0\n', line: 5, field: null, component: 'lookup', says: /defined twice; the first is at line 2/, code: 'E_DUPLICATE_COMPONENT' },
    { name: 'version and ref together', text: component('repository: github.com/o/r\nversion: ^1.0.0\nref: main'), line: 5, field: 'ref', component: 'lookup', says: /exactly one of version, ref or commit/ },
    { name: 'short commit sha', text: component('repository: github.com/o/r\ncommit: a1b2c3d'), line: 4, field: 'commit', component: 'lookup', says: /full 40-hex commit id/ },
    { name: 'no version, ref or commit', text: component('repository: github.com/o/r'), line: 2, field: null, component: 'lookup', says: /version: '\^1\.0\.0'.*ref: main.*commit:/ },
    { name: 'missing repository', text: component('version: ^1.0.0'), line: 2, field: 'repository', component: 'lookup', says: /missing/ },
    { name: 'bad branch name', text: component('repository: github.com/o/r\nref: feature..x'), line: 4, field: 'ref', component: 'lookup', says: /not a valid git ref name/ },
    { name: 'bad component name', text: component('repository: github.com/o/r\nversion: ^1.0.0', '-bad name'), line: 2, field: null, component: '-bad name', says: /letters, digits/ },
    { name: 'unknown top-level key', text: 'components: {}\ncomponent: {}\n', line: 2, field: null, component: null, says: /unknown top-level key 'component'/ },
    { name: 'components not a map', text: 'components: [a, b]\n', line: 1, field: null, component: null, says: /must be a map/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const error = await readError(c.text);
      expect(error.code).toBe('E_MANIFEST_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(new RegExp(`forge\\.yaml:${c.line}[:]`));
      expect(error.message).toMatch(c.says);
      if (c.component) expect(error.message).toContain(`component '${c.component}'`);
      if (c.field) expect(error.message).toContain(`field '${c.field}'`);
      const errors = error.data.errors as { line: number; component: string | null; field: string | null; code: string }[];
      expect(errors[0]).toMatchObject({ line: c.line, component: c.component, field: c.field });
      if (c.code) expect(errors[0]!.code).toBe(c.code);
      expect(error.data.file).toBe('forge.yaml');
    });
  }

  it('lists every problem at once, in line order', async () => {
    const error = await readError(`components:
  a:
    repository: git://x/y/z
    version: nope
  b:
    repository: github.com/o/r
    path: ../up
    ref: main
    verison: 1
`);
    const errors = error.data.errors as { line: number; field: string }[];
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'repository'],
      [4, 'version'],
      [7, 'path'],
      [9, 'verison'],
    ]);
    expect(error.message).toMatch(/^forge\.yaml has 4 problems:\n {2}forge\.yaml:3: component 'a': field 'repository'/);
  });

  it('two components may not share a folder', async () => {
    const error = await readError(`components:
  a:
    repository: github.com/o/r
    path: x
    version: '*'
  b:
    repository: github.com/o/r
    path: y
    dest: x/inner
    version: '*'
`);
    expect(error.message).toContain("forge.yaml:6: component 'b': field 'dest' 'x/inner' overlaps");
  });

  it('versions that YAML would read as numbers stay as written', () => {
    const manifest = parseManifest(component('repository: github.com/o/r\nversion: 1.10'));
    expect(manifest.components[0]!.selector).toEqual({ kind: 'version', range: '1.10' });
  });
});

describe('forge init', () => {
  it('writes an empty manifest that reads back, and refuses to overwrite one', async () => {
    const store = createManifestStore(root);
    expect(await store.exists()).toBe(false);
    await store.init();
    expect(await store.exists()).toBe(true);
    const text = await readFile(join(root, 'forge.yaml'), 'utf8');
    expect(text).toMatch(/^# /);
    expect(text).toContain('components: {}');
    expect((await store.read()).components).toEqual([]);
    await expect(store.init()).rejects.toMatchObject({ code: 'E_USAGE', exitCode: 2 });
    expect(await readFile(join(root, 'forge.yaml'), 'utf8')).toBe(text);
  });

  it('adds .forge/ to .gitignore once, keeping what is there', async () => {
    expect(await ensureGitignore(root)).toBe(true);
    expect(await readFile(join(root, '.gitignore'), 'utf8')).toBe('.forge/\n');
    expect(await ensureGitignore(root)).toBe(false);

    await writeFile(join(root, '.gitignore'), 'node_modules\ndist/');
    expect(await ensureGitignore(root)).toBe(true);
    expect(await readFile(join(root, '.gitignore'), 'utf8')).toBe('node_modules\ndist/\n.forge/\n');
    expect(await ensureGitignore(root)).toBe(false);
    expect(await readFile(join(root, '.gitignore'), 'utf8')).toBe('node_modules\ndist/\n.forge/\n');
  });
});

describe('forge add / forge remove edit forge.yaml in place', () => {
  const original = `# My components (keep this comment)
components:
  # the lookup widget
  lookup:
    repository: github.com/company/crm-tools # upstream
    path: components/lookup
    version: ^2.1.0 # allow minors
  mailer:
    repository: github.com/company/mail
    ref: main
# trailing comment
`;

  it('upsert keeps comments, order and the other components; new ones go at the end', async () => {
    await writeFile(join(root, 'forge.yaml'), original);
    const store = createManifestStore(root);
    await store.upsert({ name: 'lookup', repository: 'github.com/company/crm-tools', path: 'components/lookup', dest: undefined, selector: { kind: 'version', range: '^3.0.0' } });
    await store.upsert({ name: 'extra', repository: 'github.com/o/r', path: 'x', dest: 'vendor/x', selector: { kind: 'version', range: '*' } });
    const text = await readFile(join(root, 'forge.yaml'), 'utf8');
    expect(text).toContain('# My components (keep this comment)');
    expect(text).toContain('# the lookup widget');
    expect(text).toContain('# upstream');
    expect(text).toContain('version: ^3.0.0 # allow minors');
    expect(text).toContain('# trailing comment');
    expect(text.indexOf('lookup:')).toBeLessThan(text.indexOf('mailer:'));
    expect(text.indexOf('mailer:')).toBeLessThan(text.indexOf('extra:'));
    const manifest = await store.read();
    expect(manifest.components.map((c) => c.name)).toEqual(['lookup', 'mailer', 'extra']);
    expect(manifest.components[2]).toMatchObject({ path: 'x', dest: 'vendor/x', selector: { kind: 'version', range: '*' } });
  });

  it('switching a component from version to commit drops the old selector', async () => {
    await writeFile(join(root, 'forge.yaml'), original);
    const store = createManifestStore(root);
    await store.upsert({ name: 'lookup', repository: 'github.com/company/crm-tools', path: 'components/lookup', dest: undefined, selector: { kind: 'commit', commit: sha } });
    const lookup = (await store.read()).components[0]!;
    expect(lookup.selector).toEqual({ kind: 'commit', commit: sha });
    expect(await readFile(join(root, 'forge.yaml'), 'utf8')).not.toContain('^2.1.0');
  });

  it('upsert into a fresh forge init file writes block style that reads back', async () => {
    const store = createManifestStore(root);
    await store.init();
    await store.upsert({ name: 'a', repository: 'github.com/o/r', path: 'p/a', dest: undefined, selector: { kind: 'version', range: '>=1.0.0 <2.0.0' } });
    const text = await readFile(join(root, 'forge.yaml'), 'utf8');
    expect(text).toContain('components:\n  a:\n    repository: github.com/o/r\n');
    expect((await store.read()).components[0]!.selector).toEqual({ kind: 'version', range: '>=1.0.0 <2.0.0' });
  });

  it('upsert refuses a bad spec with its specific code and leaves the file unchanged', async () => {
    await writeFile(join(root, 'forge.yaml'), original);
    const store = createManifestStore(root);
    await expect(
      store.upsert({ name: 'x', repository: 'github.com/o/r', path: '../x', dest: undefined, selector: { kind: 'version', range: '*' } }),
    ).rejects.toMatchObject({ code: 'E_PATH_ESCAPES', exitCode: 2 });
    await expect(
      store.upsert({ name: 'x', repository: 'github.com/o/r', path: 'x', dest: undefined, selector: { kind: 'version', range: 'not a range' } }),
    ).rejects.toMatchObject({ code: 'E_BAD_RANGE', exitCode: 2 });
    await expect(
      store.upsert({ name: 'x', repository: 'https://tok@github.com/o/r', path: 'x', dest: undefined, selector: { kind: 'version', range: '*' } }),
    ).rejects.toMatchObject({ code: 'E_BAD_REPOSITORY', exitCode: 2 });
    expect(await readFile(join(root, 'forge.yaml'), 'utf8')).toBe(original);
  });

  it('remove keeps the rest, and an unknown name is an error', async () => {
    await writeFile(join(root, 'forge.yaml'), original);
    const store = createManifestStore(root);
    await store.remove('mailer');
    const text = await readFile(join(root, 'forge.yaml'), 'utf8');
    expect(text).toContain('# the lookup widget');
    expect(text).not.toContain('mailer');
    expect((await store.read()).components.map((c) => c.name)).toEqual(['lookup']);
    await expect(store.remove('mailer')).rejects.toMatchObject({ code: 'E_UNKNOWN_COMPONENT', exitCode: 2 });
    await store.remove('lookup');
    expect((await store.read()).components).toEqual([]);
  });

  it('edits refuse a file with broken YAML and leave it unchanged', async () => {
    const broken = 'components:\n  a: [x\n';
    await writeFile(join(root, 'forge.yaml'), broken);
    await expect(
      createManifestStore(root).upsert({ name: 'b', repository: 'github.com/o/r', path: 'b', dest: undefined, selector: { kind: 'version', range: '*' } }),
    ).rejects.toMatchObject({ code: 'E_MANIFEST_INVALID', exitCode: 2 });
    expect(await readFile(join(root, 'forge.yaml'), 'utf8')).toBe(broken);
  });
});
