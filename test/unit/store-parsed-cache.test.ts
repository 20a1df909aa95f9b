// forge.yaml and forge.lock.yaml are parsed once per text (src/store/parsed-cache.ts): whatever
// the cache holds, a read gives what the file says now, and a lock write that would not change the
// file is skipped only when the file is exactly as forge writes it.

import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLockStore, parseLockfile, serializeLockfile } from '../../src/store/lockfile.js';
import { createManifestStore, parseManifest } from '../../src/store/manifest.js';
import { createParsedCache } from '../../src/store/parsed-cache.js';
import type { Lockfile, Manifest } from '../../src/core/model.js';
import { caught } from '../helpers/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'forge-parsed-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const lockCache = () => createParsedCache<Lockfile>(join(root, '.forge/parsed/forge.lock.yaml.json'));
const manifestCache = () => createParsedCache<Manifest>(join(root, '.forge/parsed/forge.yaml.json'));

function lock(version: string): Lockfile {
  return {
    lockfileVersion: 1,
    components: {
      button: {
        name: 'button',
        repository: 'https://example.com/ui.git',
        path: 'components/button',
        dest: 'vendor/button',
        constraint: '^1.0.0',
        version,
        ref: `refs/tags/v${version}`,
        commit: 'a1b2c3d4e5f6789012345678901234567890abcd',
        tree: '0123456789abcdef0123456789abcdef01234567',
        resolvedAt: '2024-01-15T10:30:00Z',
        dependencies: [],
      },
    },
  };
}

const MANIFEST = 'components:\n  button:\n    repository: https://example.com/ui.git\n    path: components/button\n    version: ^1.0.0\n';

describe('the parsed lockfile', () => {
  it('a later process reads the lock from the cache, and gets what a parse gives', async () => {
    await createLockStore(root, lockCache()).write(lock('1.0.0'));
    const text = await readFile(join(root, 'forge.lock.yaml'), 'utf8');
    expect(await readdir(join(root, '.forge/parsed'))).toEqual(['forge.lock.yaml.json']);
    expect(await createLockStore(root, lockCache()).read()).toEqual(parseLockfile(text));
    // The cache, not the parser, answers for that text: a value planted in it comes back.
    const cacheFile = join(root, '.forge/parsed/forge.lock.yaml.json');
    await writeFile(cacheFile, (await readFile(cacheFile, 'utf8')).replace('"version":"1.0.0"', '"version":"9.9.9"'));
    expect((await createLockStore(root, lockCache()).read()).components.button!.version).toBe('9.9.9');
  });

  it('a hand edit is read as edited, even one that keeps the size and the mtime tick', async () => {
    const store = createLockStore(root, lockCache());
    await store.write(lock('1.0.0'));
    expect((await store.read()).components.button!.version).toBe('1.0.0');
    const path = join(root, 'forge.lock.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replaceAll('1.0.0', '1.0.1'));
    expect((await store.read()).components.button!.version).toBe('1.0.1');
    expect((await createLockStore(root, lockCache()).read()).components.button!.version).toBe('1.0.1');
  });

  it('an invalid lockfile is reported every time, never served from the cache', async () => {
    const store = createLockStore(root, lockCache());
    await store.write(lock('1.0.0'));
    await store.read();
    await writeFile(join(root, 'forge.lock.yaml'), 'lockfileVersion: 1\ncomponents: [');
    expect((await caught(store.read())).code).toBe('E_LOCKFILE_INVALID');
    expect((await caught(createLockStore(root, lockCache()).read())).code).toBe('E_LOCKFILE_INVALID');
  });

  it('skips writing a lock the file already holds, and still rewrites a hand-formatted file in forge form', async () => {
    const path = join(root, 'forge.lock.yaml');
    await createLockStore(root, lockCache()).write(lock('1.0.0'));
    const before = await stat(path);
    expect(await createLockStore(root, lockCache()).write(lock('1.0.0'))).toBe(false);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);

    const canonical = serializeLockfile(lock('1.0.0'));
    await writeFile(path, `# edited by hand\n${canonical}`);
    const store = createLockStore(root, lockCache());
    expect(await store.read()).toEqual(parseLockfile(canonical));
    expect(await store.write(lock('1.0.0'))).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(canonical);
    expect(await store.write(lock('1.0.1'))).toBe(true);
    expect((await createLockStore(root, lockCache()).read()).components.button!.version).toBe('1.0.1');
  });

  it('a damaged or foreign cache file is ignored', async () => {
    await createLockStore(root, lockCache()).write(lock('1.0.0'));
    const cacheFile = join(root, '.forge/parsed/forge.lock.yaml.json');
    for (const junk of ['{"version":1,"sha1":', '{"version":99,"sha1":"x","value":{}}', 'null']) {
      await writeFile(cacheFile, junk);
      expect((await createLockStore(root, lockCache()).read()).components.button!.version).toBe('1.0.0');
    }
  });
});

describe('the parsed manifest', () => {
  it('reads through the cache what a parse gives, and sees every edit, by forge or by hand', async () => {
    const path = join(root, 'forge.yaml');
    await writeFile(path, MANIFEST);
    expect(await createManifestStore(root, manifestCache()).read()).toEqual(parseManifest(MANIFEST));
    const cached = await createManifestStore(root, manifestCache()).read();
    expect(cached.components.map((c) => [c.name, c.selector, c.line])).toEqual([['button', { kind: 'version', range: '^1.0.0' }, 2]]);

    await writeFile(path, MANIFEST.replace('^1.0.0', '^2.0.0'));
    expect((await createManifestStore(root, manifestCache()).read()).components[0]!.selector).toEqual({ kind: 'version', range: '^2.0.0' });

    const store = createManifestStore(root, manifestCache());
    await store.upsert({ name: 'card', repository: 'https://example.com/ui.git', path: 'components/card', dest: undefined, selector: { kind: 'ref', ref: 'main' } });
    const after = await createManifestStore(root, manifestCache()).read();
    expect(after).toEqual(parseManifest(await readFile(path, 'utf8')));
    expect(after.components.map((c) => c.name)).toEqual(['button', 'card']);
  });

  it('a read alone never creates .forge/parsed (a command failing on bad input leaves .forge as it was); once forge wrote there, reads keep it', async () => {
    await writeFile(join(root, 'forge.yaml'), MANIFEST);
    await createManifestStore(root, manifestCache()).read();
    await expect(readdir(join(root, '.forge'))).rejects.toThrow();
    // As a cold pull does: forge.yaml read first, the lock written after; both are kept then.
    const manifests = createManifestStore(root, manifestCache());
    await manifests.read();
    await createLockStore(root, lockCache()).write(lock('1.0.0'));
    expect((await readdir(join(root, '.forge/parsed'))).sort()).toEqual(['forge.lock.yaml.json', 'forge.yaml.json']);
    const planted = join(root, '.forge/parsed/forge.yaml.json');
    await writeFile(planted, (await readFile(planted, 'utf8')).replace('"range":"^1.0.0"', '"range":"^9.0.0"'));
    expect((await createManifestStore(root, manifestCache()).read()).components[0]!.selector).toEqual({ kind: 'version', range: '^9.0.0' });
  });
});

