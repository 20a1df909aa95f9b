// forge.yaml's include/exclude and forge.lock.yaml's blob/mode and patterns: read, validated with
// the line at fault, written back as the contract shows them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManifestStore, parseManifest } from '../../src/store/manifest.js';
import { parseLockfile, serializeLockfile, singleFileTree } from '../../src/store/lockfile.js';
import type { Lockfile } from '../../src/core/model.js';
import { caught } from '../helpers/errors.js';

const SHA = 'a1b2c3d4e5f6789012345678901234567890abcd';
const BLOB = '0123456789abcdef0123456789abcdef01234567';

describe('forge.yaml include/exclude', () => {
  it('reads lists of patterns (or one pattern) in order, as written', () => {
    const manifest = parseManifest(`components:
  lookup:
    repository: github.com/company/crm-tools
    path: components/tools/lookup
    version: ^2.1.0
    include: ["**/*.yaml", "src/**", "!src/old/**"]
    exclude: "**/*.test.ts"
`);
    expect(manifest.components[0]).toMatchObject({ include: ['**/*.yaml', 'src/**', '!src/old/**'], exclude: ['**/*.test.ts'] });
  });

  it('names the file, line and field of a bad pattern, an empty list and a map', async () => {
    const error = await caught(
      Promise.resolve().then(() =>
        parseManifest(`components:
  lookup:
    repository: github.com/company/crm-tools
    version: ^2.1.0
    include:
      - src/**
      - ../secrets/**
    exclude: []
  other:
    repository: github.com/company/crm-tools
    version: ^2.1.0
    include: {a: b}
`),
      ),
    );
    expect(error.code).toBe('E_MANIFEST_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`forge.yaml:7: component 'lookup': field 'include' has the pattern "../secrets/**", which has a '.' or '..' segment`);
    expect(error.message).toContain(`forge.yaml:8: component 'lookup': field 'exclude' is an empty list`);
    expect(error.message).toContain(`forge.yaml:12: component 'other': field 'include' must be a list of patterns`);
  });

  it('forge add writes the lists on one line, as the contract shows them, and a change keeps the rest of the file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'forge-store-'));
    try {
      await writeFile(join(root, 'forge.yaml'), '# mine\ncomponents: {}\n');
      const store = createManifestStore(root);
      const spec = { name: 'lookup', repository: 'github.com/company/crm-tools', path: 'lookup', dest: undefined, selector: { kind: 'version' as const, range: '^2.1.0' } };
      await store.upsert({ ...spec, include: ['**/*.yaml', 'src/**'], exclude: ['**/*.test.ts'] });
      const text = await readFile(join(root, 'forge.yaml'), 'utf8');
      expect(text).toContain('    include: ["**/*.yaml", "src/**"]\n    exclude: ["**/*.test.ts"]\n');
      expect(text.startsWith('# mine\n')).toBe(true);
      await store.upsert({ ...spec, include: ['src/**'] });
      const again = await readFile(join(root, 'forge.yaml'), 'utf8');
      expect(again).toContain('    include: ["src/**"]\n');
      expect(again).not.toContain('exclude');
      expect((await store.read()).components[0]).toMatchObject({ include: ['src/**'] });
      await expect(store.upsert({ ...spec, exclude: ['#nope'] })).rejects.toThrow(/comment that matches nothing/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('forge.lock.yaml for files and filtered folders', () => {
  const lock = (): Lockfile => ({
    lockfileVersion: 1,
    components: {
      button: {
        name: 'button',
        repository: 'github.com/shadcn-ui/ui',
        path: 'apps/v4/registry/new-york-v4/ui/button.tsx',
        dest: 'src/ui/button.tsx',
        ref: 'refs/heads/main',
        commit: SHA,
        tree: singleFileTree('src/ui/button.tsx', '100755', BLOB),
        blob: BLOB,
        mode: '100755',
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: [],
      },
      lookup: {
        name: 'lookup',
        repository: 'github.com/company/crm-tools',
        path: 'lookup',
        dest: 'lookup',
        include: ['src/**', '*.yaml'],
        exclude: ['**/*.test.ts'],
        commit: SHA,
        tree: BLOB,
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: [],
      },
    },
  });

  it('writes blob and mode instead of tree for a file, patterns in their order, and reads back the same entries', () => {
    const text = serializeLockfile(lock());
    expect(text).toContain(`    commit: ${SHA}\n    blob: ${BLOB}\n    mode: "100755"\n    resolvedAt:`);
    expect(text.slice(text.indexOf('  button:'), text.indexOf('  lookup:'))).not.toContain('tree:');
    expect(text).toContain('    dest: lookup\n    include: [src/**, "*.yaml"]\n    exclude: ["**/*.test.ts"]\n');
    expect(parseLockfile(text)).toEqual(lock());
    expect(serializeLockfile(parseLockfile(text))).toBe(text);
  });

  it('refuses an entry with both tree and blob, a blob without a mode, a bad mode, or patterns on a file, naming the line', async () => {
    const text = serializeLockfile(lock())
      .replace('    mode: "100755"\n', `    mode: "100664"\n    tree: ${BLOB}\n    include: [x]\n`)
      .replace('    exclude: ["**/*.test.ts"]\n', '    exclude: ["[oops"]\n');
    const error = await caught(Promise.resolve().then(() => parseLockfile(text)));
    expect(error.code).toBe('E_LOCKFILE_INVALID');
    expect(error.message).toMatch(/forge\.lock\.yaml:\d+: component 'button': field 'blob' cannot be given with 'tree'/);
    expect(error.message).toMatch(/field 'mode' '100664' is not a file mode/);
    expect(error.message).toMatch(/component 'button': field 'include' cannot be given for a single-file component/);
    expect(error.message).toMatch(/component 'lookup': field 'exclude' has the pattern "\[oops"/);
    const noMode = await caught(Promise.resolve().then(() => parseLockfile(serializeLockfile(lock()).replace('    mode: "100755"\n', ''))));
    expect(noMode.message).toMatch(/field 'mode' is missing/);
  });
});
