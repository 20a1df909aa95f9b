import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { createLockStore, LOCK_ENTRY_KEYS, parseLockfile, serializeLockfile } from '../../src/store/lockfile.js';
import type { Lockfile } from '../../src/core/model.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'forge-lock-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function sampleLock(): Lockfile {
  return {
    lockfileVersion: 1,
    components: {
      'salesforce-lookup': {
        name: 'salesforce-lookup',
        repository: 'github.com/company/crm-tools',
        path: 'components/tools/salesforce-lookup',
        dest: 'components/tools/salesforce-lookup',
        constraint: '^2.1.0',
        version: '2.1.3',
        ref: 'refs/tags/v2.1.3',
        commit: 'a1b2c3d4e5f6789012345678901234567890abcd',
        tree: '0123456789abcdef0123456789abcdef01234567',
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: ['email-composer'],
      },
      'email-composer': {
        name: 'email-composer',
        repository: 'https://github.com/tools/communication',
        path: 'email-composer',
        dest: 'vendor/email-composer',
        constraint: '>=1.3.0 <1.4.0',
        version: '1.3.0',
        ref: 'refs/tags/email-composer@1.3.0',
        commit: '1111111111111111111111111111111111111111',
        tree: '2222222222222222222222222222222222222222',
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: [],
        requiredBy: ['salesforce-lookup'],
      },
      pinned: {
        name: 'pinned',
        repository: 'http://127.0.0.1:8080/repo.git',
        path: 'x',
        dest: 'x',
        commit: '3333333333333333333333333333333333333333',
        tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: [],
      },
    },
  };
}

describe('forge.lock.yaml is deterministic', () => {
  it('round-trips: what is written reads back equal', () => {
    const lock = sampleLock();
    expect(parseLockfile(serializeLockfile(lock))).toEqual(lock);
  });

  it('serializing twice gives the same text, whatever order the components came in', () => {
    const lock = sampleLock();
    const reversed: Lockfile = { lockfileVersion: 1, components: Object.fromEntries(Object.entries(lock.components).reverse()) };
    expect(serializeLockfile(lock)).toBe(serializeLockfile(lock));
    expect(serializeLockfile(reversed)).toBe(serializeLockfile(lock));
  });

  it('sorts components by name, writes keys in a fixed order, lists in flow style, ends with a newline', () => {
    const text = serializeLockfile(sampleLock());
    expect(text.startsWith('lockfileVersion: 1\ncomponents:\n  email-composer:\n')).toBe(true);
    expect(text.indexOf('  email-composer:')).toBeLessThan(text.indexOf('  pinned:'));
    expect(text.indexOf('  pinned:')).toBeLessThan(text.indexOf('  salesforce-lookup:'));
    const lookup = text.slice(text.indexOf('  salesforce-lookup:'));
    const keys = [...lookup.matchAll(/^ {4}([a-zA-Z]+):/gm)].map((m) => m[1]);
    // A folder without include/exclude: every key but those of filters and single files.
    expect(keys).toEqual(LOCK_ENTRY_KEYS.filter((k) => !['requiredBy', 'include', 'exclude', 'blob', 'mode'].includes(k)));
    expect(text).toContain('    dependencies: [email-composer]\n');
    expect(text).toContain('    requiredBy: [salesforce-lookup]\n');
    expect(text).toContain('    dependencies: []\n');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  it('matches the contract example byte for byte', () => {
    const lock = sampleLock();
    const only: Lockfile = { lockfileVersion: 1, components: { 'salesforce-lookup': { ...lock.components['salesforce-lookup']!, dependencies: [] } } };
    expect(serializeLockfile(only)).toBe(`lockfileVersion: 1
components:
  salesforce-lookup:
    repository: github.com/company/crm-tools
    path: components/tools/salesforce-lookup
    dest: components/tools/salesforce-lookup
    constraint: ^2.1.0
    version: 2.1.3
    ref: refs/tags/v2.1.3
    commit: a1b2c3d4e5f6789012345678901234567890abcd
    tree: 0123456789abcdef0123456789abcdef01234567
    resolvedAt: 2024-01-15T10:30:00Z
    dependencies: []
`);
  });

  it('quotes only what YAML needs; resolvedAt is a plain string and reads back as a string', () => {
    const text = serializeLockfile(sampleLock());
    expect(text).toContain('    resolvedAt: 2024-01-15T10:30:00Z\n');
    expect(text).toContain('    version: 2.1.3\n');
    expect(text).toContain('    constraint: ">=1.3.0 <1.4.0"\n');
    // an all-digit sha would otherwise read back as a number
    expect(text).toContain('    commit: "1111111111111111111111111111111111111111"\n');
    const back = parseLockfile(text);
    expect(typeof back.components['pinned']!.resolvedAt).toBe('string');
    expect(back.components['pinned']!.resolvedAt).toBe('2024-01-15T10:30:00Z');
    expect(back.components['email-composer']!.commit).toBe('1111111111111111111111111111111111111111');
  });

  it('a hand-written unquoted all-digit sha and YAML-1.1 style timestamp still read as strings', () => {
    const lock = parseLockfile(`lockfileVersion: 1
components:
  a:
    repository: github.com/o/r
    path: a
    dest: a
    commit: 1111111111111111111111111111111111111111
    tree: 2222222222222222222222222222222222222222
    resolvedAt: 2024-01-15T10:30:00Z
`);
    expect(lock.components['a']).toMatchObject({ commit: '1111111111111111111111111111111111111111', resolvedAt: '2024-01-15T10:30:00Z', dependencies: [] });
  });
});

describe('forge.lock.yaml versions', () => {
  it('a newer lockfileVersion is refused with "Upgrade forge" (exit 2)', () => {
    const error = (() => {
      try {
        parseLockfile('lockfileVersion: 2\ncomponents: {}\n');
      } catch (e) {
        return e as ForgeError;
      }
      throw new Error('expected a throw');
    })();
    expect(error.code).toBe('E_LOCKFILE_TOO_NEW');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('forge.lock.yaml has lockfileVersion 2, newer than this forge understands (1). Upgrade forge.');
  });

  it('a newer minor version of the same major is read, ignoring fields it adds', () => {
    const lock = parseLockfile(`lockfileVersion: 1.1
settings: {}
components:
  a:
    repository: github.com/o/r
    path: a
    dest: a
    commit: ${'a'.repeat(40)}
    tree: ${'b'.repeat(40)}
    resolvedAt: 2024-01-15T10:30:00Z
    dependencies: []
    integrity: sha512-whatever
`);
    expect(Object.keys(lock.components)).toEqual(['a']);
  });

  it.each([
    ['missing', 'components: {}\n'],
    ['not a number', 'lockfileVersion: one\ncomponents: {}\n'],
    ['zero', 'lockfileVersion: 0\ncomponents: {}\n'],
    ['not a map', '- a\n- b\n'],
  ])('a %s lockfileVersion is E_LOCKFILE_INVALID (exit 2)', (_what, text) => {
    expect(() => parseLockfile(text)).toThrow(expect.objectContaining({ code: 'E_LOCKFILE_INVALID', exitCode: 2 }));
  });
});

describe('forge.lock.yaml validation names file, line, component and field', () => {
  const good = serializeLockfile(sampleLock());
  const cases: [string, string, string, string, RegExp][] = [
    ['repository', 'github.com/company/crm-tools', 'git://github.com/company/crm-tools', 'salesforce-lookup', /'git' scheme/],
    ['path', 'path: components/tools/salesforce-lookup', 'path: ../../etc', 'salesforce-lookup', /outside the repository/],
    ['dest', 'dest: vendor/email-composer', 'dest: /abs', 'email-composer', /absolute/],
    ['commit', 'a1b2c3d4e5f6789012345678901234567890abcd', 'a1b2c3d', 'salesforce-lookup', /40-hex commit/],
    ['tree', '0123456789abcdef0123456789abcdef01234567', 'zz', 'salesforce-lookup', /40-hex tree/],
    ['version', 'version: 2.1.3', 'version: two', 'salesforce-lookup', /not a semver version/],
    ['ref', 'ref: refs/tags/v2.1.3', 'ref: v2.1.3', 'salesforce-lookup', /refs\//],
    ['dependencies', 'dependencies: [email-composer]', 'dependencies: [ghost]', 'salesforce-lookup', /'ghost', which is not in the lockfile/],
    ['constraint', 'constraint: ^2.1.0', 'constraint: ^^2', 'salesforce-lookup', /semver range/],
    ['resolvedAt', 'resolvedAt: 2024-01-15T10:30:00Z\n    dependencies: [email', 'resolvedAt: yesterday\n    dependencies: [email', 'salesforce-lookup', /ISO-8601/],
  ];
  for (const [field, from, to, component, says] of cases) {
    it(`bad ${field}`, () => {
      const text = good.replace(from, to);
      expect(text).not.toBe(good);
      const line = text.split('\n').findIndex((l) => l.includes(`${field}:`) && l.includes(to.split('\n')[0]!.replace(`${field}: `, ''))) + 1;
      let error: ForgeError | undefined;
      try {
        parseLockfile(text);
      } catch (e) {
        error = e as ForgeError;
      }
      expect(error?.code).toBe('E_LOCKFILE_INVALID');
      expect(error?.exitCode).toBe(2);
      expect(error?.message).toContain(`forge.lock.yaml:${line}: component '${component}': field '${field}'`);
      expect(error?.message).toMatch(says);
      expect(error?.data.errors).toEqual([expect.objectContaining({ line, component, field })]);
    });
  }

  it('an unknown field in a v1 entry is an error', () => {
    const text = good.replace('    dependencies: []\n    requiredBy', '    dependencies: []\n    extra: 1\n    requiredBy');
    expect(() => parseLockfile(text)).toThrow(/component 'email-composer': field 'extra' is not a known field/);
  });
});

describe('LockStore', () => {
  it('reads an empty lockfile when there is none', async () => {
    expect(await createLockStore(root).read()).toEqual({ lockfileVersion: 1, components: {} });
  });

  it('writes an empty lockfile when asked, even with no components', async () => {
    const store = createLockStore(root);
    expect(await store.write({ lockfileVersion: 1, components: {} })).toBe(true);
    expect(await readFile(join(root, 'forge.lock.yaml'), 'utf8')).toBe('lockfileVersion: 1\ncomponents: {}\n');
  });

  it('does not rewrite the file when nothing changed (mtime stays)', async () => {
    const store = createLockStore(root);
    const file = join(root, 'forge.lock.yaml');
    expect(await store.write(sampleLock())).toBe(true);
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(file, old, old);
    expect(await store.write(await store.read())).toBe(false);
    expect((await stat(file)).mtime.getTime()).toBe(old.getTime());
    const changed = sampleLock();
    changed.components['pinned']!.commit = '5'.repeat(40);
    expect(await store.write(changed)).toBe(true);
    expect((await stat(file)).mtime.getTime()).not.toBe(old.getTime());
    expect((await store.read()).components['pinned']!.commit).toBe('5'.repeat(40));
  });

  it('refuses to write a lock it could not read back, leaving the file alone', async () => {
    const store = createLockStore(root);
    await store.write(sampleLock());
    const before = await readFile(join(root, 'forge.lock.yaml'), 'utf8');
    const bad = sampleLock();
    bad.components['pinned']!.dest = '../outside';
    await expect(store.write(bad)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    expect(await readFile(join(root, 'forge.lock.yaml'), 'utf8')).toBe(before);
  });

  it('a broken lockfile on disk is E_LOCKFILE_INVALID naming its line', async () => {
    await writeFile(join(root, 'forge.lock.yaml'), 'lockfileVersion: 1\ncomponents:\n  a: [x\n');
    await expect(createLockStore(root).read()).rejects.toMatchObject({ code: 'E_LOCKFILE_INVALID', exitCode: 2, message: expect.stringMatching(/^forge\.lock\.yaml:\d+:\d+: YAML syntax error/) });
  });
});
