// Repositories on this machine (file:// URLs and paths): isomorphic-git cannot fetch from them,
// but it can read them. Refs are always read straight from the repository (no process, no
// server); objects are fetched with native git when it is installed (a pack copy), and otherwise
// copied object by object into the cache with isomorphic-git, so a local repository works with
// no git installed at all.

import fs from 'node:fs';
import { join } from 'node:path';
import { ForgeError } from '../errors.js';
import type { RemoteRef, RemoteRefs, Want } from '../core/ports.js';
import type { Oid } from '../core/model.js';
import { comparePaths } from '../core/paths.js';
import type { CacheRepo } from './cache-repo.js';
import { isMissingObject } from './git-errors.js';
import { isoGit } from './iso-git.js';

/** The git folder of the local repository at `path` (bare, or a work tree's .git), or E_REPO_NOT_FOUND. */
export async function localGitdir(repo: CacheRepo): Promise<string> {
  const path = repo.address.localPath!;
  const isGitdir = (dir: string) => fs.existsSync(join(dir, 'HEAD')) && fs.existsSync(join(dir, 'objects'));
  const dotGit = join(path, '.git');
  const stat = await fs.promises.stat(dotGit).catch(() => null);
  if (stat?.isDirectory() && isGitdir(dotGit)) return dotGit;
  if (stat?.isFile()) {
    // A linked work tree or submodule: ".git" says where the git folder is.
    const pointer = /^gitdir:\s*(.+)$/m.exec(await fs.promises.readFile(dotGit, 'utf8'))?.[1]?.trim();
    const target = pointer && (pointer.startsWith('/') ? pointer : join(path, pointer));
    if (target && isGitdir(target)) return target;
  }
  if (isGitdir(path)) return path;
  throw new ForgeError('E_REPO_NOT_FOUND', `There is no Git repository at ${path}.`, {
    hint: 'Check the path in forge.yaml (relative paths start at the folder of forge.yaml).',
    data: { repository: repo.repository, path },
  });
}

/** `git ls-remote` of a local repository, read directly: heads, tags (peeled) and HEAD's target. */
export async function listLocalRefs(repo: CacheRepo): Promise<RemoteRefs> {
  const gitdir = await localGitdir(repo);
  const git = await isoGit();
  const refs: RemoteRef[] = [];
  for (const prefix of ['refs/heads', 'refs/tags']) {
    for (const name of await git.listRefs({ fs, gitdir, filepath: prefix })) {
      const ref = `${prefix}/${name}`;
      refs.push({ name: ref, commit: await peel(gitdir, await git.resolveRef({ fs, gitdir, ref })) });
    }
  }
  let head: string | null = null;
  const headText = await fs.promises.readFile(join(gitdir, 'HEAD'), 'utf8').catch(() => '');
  const symbolic = /^ref:\s*(\S+)/.exec(headText)?.[1];
  const headCommit = await git.resolveRef({ fs, gitdir, ref: 'HEAD' }).catch(() => null);
  if (headCommit) {
    refs.push({ name: 'HEAD', commit: headCommit });
    if (symbolic) head = symbolic;
  }
  refs.sort((a, b) => comparePaths(a.name, b.name));
  return { refs, head };
}

/** An annotated tag's commit (through tags of tags); other objects as they are. */
async function peel(gitdir: string, oid: Oid): Promise<Oid> {
  const git = await isoGit();
  let current = oid;
  for (let i = 0; i < 10; i++) {
    const object = await git.readObject({ fs, gitdir, oid: current, format: 'parsed' }).catch(() => null);
    if (!object || object.type !== 'tag') return current;
    current = (object.object as { object: Oid }).object;
  }
  return current;
}

/** Copies the wanted commits (with their trees; with `deep`, their history) into the cache. */
export async function copyFromLocal(repo: CacheRepo, wants: Want[], deep: boolean): Promise<{ missing: Want[]; goneRefs: Set<string> }> {
  const source = await localGitdir(repo);
  const git = await isoGit();
  const goneRefs = new Set<string>();
  const missing: Want[] = [];
  const present = new Set<Oid>();
  const has = async (oid: Oid) => {
    if (present.has(oid)) return true;
    const found = await git.readObject({ fs, gitdir: repo.gitdir, oid, format: 'deflated', cache: repo.cache }).then(
      () => true,
      (error: unknown) => {
        if (isMissingObject(error)) return false;
        throw error;
      },
    );
    if (found) present.add(oid);
    return found;
  };
  const copy = async (oid: Oid): Promise<{ type: string; object: Uint8Array } | null> => {
    const read = await git.readObject({ fs, gitdir: source, oid, format: 'content' }).catch((error: unknown) => {
      if (isMissingObject(error)) return null;
      throw error;
    });
    if (!read) return null;
    const object = read.object as Uint8Array;
    await git.writeObject({ fs, gitdir: repo.gitdir, type: read.type as 'commit' | 'tree' | 'blob' | 'tag', object, format: 'content' });
    present.add(oid);
    return { type: read.type, object };
  };
  const copyTree = async (oid: Oid): Promise<void> => {
    if (await has(oid)) return;
    const copied = await copy(oid);
    if (!copied) throw missingObject(repo, oid);
    const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    for (const entry of tree) {
      if (entry.type === 'tree') await copyTree(entry.oid);
      else if (entry.type === 'blob' && !(await has(entry.oid)) && !(await copy(entry.oid))) throw missingObject(repo, entry.oid);
    }
  };
  const copyCommit = async (oid: Oid): Promise<boolean> => {
    const queue = [oid];
    let first = true;
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (await has(next)) continue;
      const copied = await copy(next);
      if (!copied) {
        if (first) return false;
        continue; // history the local repository itself lacks (a shallow clone)
      }
      first = false;
      const { commit } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: next, cache: repo.cache });
      await copyTree(commit.tree);
      if (deep) queue.push(...commit.parent);
    }
    return true;
  };
  for (const want of wants) {
    if (await copyCommit(want.commit)) continue;
    if (want.ref && !(await git.resolveRef({ fs, gitdir: source, ref: want.ref }).then(() => true, () => false))) goneRefs.add(want.ref);
    missing.push(want);
  }
  return { missing, goneRefs };
}

function missingObject(repo: CacheRepo, oid: Oid): ForgeError {
  return new ForgeError('E_GIT', `Object ${oid} is missing from the local repository ${repo.address.localPath}.`, {
    hint: "Run 'git fsck' in that repository.",
    data: { repository: repo.repository, oid },
  });
}
