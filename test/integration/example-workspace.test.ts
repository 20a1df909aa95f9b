// The repository's own forge.yaml and forge.lock.yaml (an example workspace that
// vendors examples/vendor/*) must stay valid and truthful: forge reads them without
// complaint, the lock pins what forge.yaml asks for, the vendored folders hash to
// the locked trees, and the locked commits are exactly what the (deterministically
// rebuilt) upstream repositories have at those tags.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/store/lockfile.js';
import { parseManifest } from '../../src/store/manifest.js';
import { forge } from '../helpers/cli.js';
import { commitToRepo, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function folderFiles(dir: string, prefix: string): Promise<Record<string, { content: Buffer; mode: '100644' | '100755' }>> {
  const out: Record<string, { content: Buffer; mode: '100644' | '100755' }> = {};
  for (const name of await readdir(dir)) {
    const info = await stat(join(dir, name));
    out[`${prefix}/${name}`] = { content: await readFile(join(dir, name)), mode: info.mode & 0o111 ? '100755' : '100644' };
  }
  return out;
}

/** The example upstreams, rebuilt from the vendored files with fixed authors and dates. */
async function rebuildUpstreams() {
  const upstream = await tempDir('forge-example-upstream-');
  const lookup = await folderFiles(join(root, 'examples/vendor/salesforce-lookup'), 'components/tools/salesforce-lookup');
  const email = await folderFiles(join(root, 'examples/vendor/email-composer'), 'components/email-composer');
  await makeRepo(upstream, 'crm-tools', { files: lookup, tag: 'v2.1.3', message: 'salesforce-lookup 2.1.3' });
  await makeRepo(upstream, 'communication', { files: email, tag: 'email-composer@1.3.2', message: 'email-composer 1.3.2' });
  await commitToRepo(upstream, 'communication', { files: { 'components/email-composer/CHANGELOG.md': '1.4.0\n' }, tag: 'email-composer@1.4.0', message: 'email-composer 1.4.0' });
  return upstream;
}

describe("the repository's own example workspace", () => {
  it('forge.yaml and forge.lock.yaml parse, and the lock pins what forge.yaml asks for', async () => {
    const manifest = parseManifest(await readFile(join(root, 'forge.yaml'), 'utf8'));
    const lock = parseLockfile(await readFile(join(root, 'forge.lock.yaml'), 'utf8'));
    expect(manifest.components.length).toBeGreaterThan(0);
    for (const spec of manifest.components) {
      const entry = lock.components[spec.name];
      expect(entry, spec.name).toBeDefined();
      expect(entry!.repository).toBe(spec.repository);
      if (spec.selector.kind === 'version') {
        expect(entry!.constraint).toBe(spec.selector.range);
        expect(semver.satisfies(entry!.version!, spec.selector.range)).toBe(true);
      }
    }
    for (const entry of Object.values(lock.components)) {
      for (const dep of entry.dependencies) expect(lock.components[dep]?.requiredBy).toContain(entry.name);
      if (entry.constraint && entry.version) expect(semver.satisfies(entry.version, entry.constraint)).toBe(true);
    }
  });

  it('the vendored folders are unmodified: status --offline says synced', async () => {
    const result = await forge(['sync', 'status', '--offline', '--json'], { cwd: root });
    expect(result.code).toBe(0);
    const report = result.json();
    expect(report.components.map((c: { status: string }) => c.status)).toEqual(report.components.map(() => 'synced'));
  });

  it('the locked commits and trees are what the upstream repositories have at those tags', async () => {
    const upstream = await rebuildUpstreams();
    const lock = parseLockfile(await readFile(join(root, 'forge.lock.yaml'), 'utf8'));
    const repos: Record<string, string> = { 'salesforce-lookup': 'crm-tools', 'email-composer': 'communication' };
    for (const [name, repo] of Object.entries(repos)) {
      const entry = lock.components[name]!;
      const tag = entry.ref!.replace('refs/tags/', '');
      expect(entry.commit).toBe(await gitRevParse(repoDir(upstream, repo), `${tag}^{commit}`));
      expect(entry.tree).toBe(await gitRevParse(repoDir(upstream, repo), `${tag}:${entry.path}`));
    }
  });
});
