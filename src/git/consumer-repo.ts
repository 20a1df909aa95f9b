// The consumer repository's own git (ConsumerRepoPort), for forge sync pull --pr.
//
// The update commit is built with native git where it is installed, from plumbing and a temporary
// index, so nothing the user sees changes (no ref, no index, no working tree file):
//
//   GIT_INDEX_FILE=tmp git read-tree PARENT                    the parent's tree, in a scratch index
//   git hash-object -w --no-filters --stdin-paths              the new files' blobs, bytes as they are
//   git update-index -z --index-info                           each replaced path: old entries out, new in
//   git write-tree ; git commit-tree TREE -p PARENT -F -       the commit
//
// Without native git, isomorphic-git writes the same objects (the trees as src/git/commit.ts
// builds them for upstream commits). The push goes through forge's own smart-HTTP push
// (push.ts): the token travels in a header of each request, never in a URL, `.git/config` or any
// file, and the remote branch is updated as a compare-and-swap.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { lstat, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { ForgeError } from '../errors.js';
import type { ConsumerCommitInput, ConsumerHead, ConsumerRepoPort } from '../core/consumer-repo.js';
import { blobId } from '../core/blob-id.js';
import type { FileEntry, Oid } from '../core/model.js';
import type { GitIdentity, TreeChange } from '../core/ports.js';
import { parseRepository } from '../core/repository.js';
import { createCacheRepos, type CacheRepo } from './cache-repo.js';
import { createCommit as createCommitWithIsomorphicGit } from './commit.js';
import { listRemoteRefs } from './fetch.js';
import { withoutCredentials } from './git-errors.js';
import { nativeGitAvailable } from './native-git.js';
import { push } from './push.js';
import { createTransport, type TransportOptions } from './transport.js';

export interface ConsumerRepoOptions extends TransportOptions {
  /** The folder of forge.yaml. */
  root: string;
  /** The object cache folder (push names remotes through it; nothing is fetched there). */
  cacheDir: string;
  /** Use native git when installed (default); false forces isomorphic-git. */
  nativeGit?: boolean;
}

interface Layout {
  /** The repository's git folder. */
  gitdir: string;
  /** The folder of forge.yaml relative to the repository's top folder ('' when it is the top). */
  prefix: string;
}

interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git on the consumer repository; never prompts, never reads the system config's surprises. */
function runGit(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: Buffer | string }): Promise<GitRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.stdin.on('error', () => {}); // git ended early: its exit code says why
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function gitFailed(what: string, run: GitRun): ForgeError {
  const said = run.stderr.trim().split('\n').filter(Boolean).at(-1)?.replace(/^(fatal|error):\s*/, '');
  return new ForgeError('E_GIT', `git could not ${what} in this repository${said ? `: ${said}` : ''}.`, {
    hint: "Run 'git status' and 'git fsck' here to see what is wrong.",
  });
}

/** `+0200` for isomorphic-git's -120. */
function gitTimezone(offset: number): string {
  const minutes = Math.abs(offset);
  const sign = offset <= 0 ? '+' : '-';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
}

function identityEnv(role: 'AUTHOR' | 'COMMITTER', id: GitIdentity): NodeJS.ProcessEnv {
  return {
    [`GIT_${role}_NAME`]: id.name,
    [`GIT_${role}_EMAIL`]: id.email,
    [`GIT_${role}_DATE`]: `@${id.timestamp} ${gitTimezone(id.timezoneOffset)}`,
  };
}

/** An HTTP remote URL with any user name or password taken out (forge sends its own token); an ssh user stays. */
function httpWithoutCredentials(url: string): string {
  return /^https?:\/\//i.test(url) ? withoutCredentials(url) : url;
}

/** A path relative to the repository's top folder. */
function topPath(layout: Layout, path: string): string {
  const joined = layout.prefix === '' ? path : path === '' || path === '.' ? layout.prefix : `${layout.prefix}/${path}`;
  return posix.normalize(joined).replace(/^\.\/?/, '').replace(/\/$/, '');
}

export function createConsumerRepo(options: ConsumerRepoOptions): ConsumerRepoPort {
  const root = resolve(options.root);
  const repos = createCacheRepos(options.cacheDir);
  const transport = createTransport(options);
  let native: Promise<boolean> | undefined;
  const useNative = () => (native ??= options.nativeGit === false ? Promise.resolve(false) : nativeGitAvailable());
  let layoutPromise: Promise<Layout | null> | undefined;

  const git = (args: string[], extra: { env?: NodeJS.ProcessEnv; input?: Buffer | string } = {}) => runGit(args, { cwd: root, ...extra });

  /** Where the repository is, or null when the folder of forge.yaml is in none. */
  function layout(): Promise<Layout | null> {
    layoutPromise ??= (async () => {
      if (await useNative()) {
        const run = await git(['rev-parse', '--show-toplevel', '--absolute-git-dir']);
        if (run.code !== 0) return null;
        const [top, gitdir] = run.stdout.toString('utf8').trim().split('\n');
        if (!top || !gitdir) return null;
        return { gitdir, prefix: relative(fs.realpathSync(top), fs.realpathSync(root)).split(sep).join('/') };
      }
      for (let dir = root; ; dir = dirname(dir)) {
        const dotGit = join(dir, '.git');
        const info = await lstat(dotGit).catch(() => null);
        if (info?.isDirectory()) return { gitdir: dotGit, prefix: relative(dir, root).split(sep).join('/') };
        if (info?.isFile()) {
          const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8'))?.[1]?.trim();
          if (pointer) return { gitdir: resolve(dir, pointer), prefix: relative(dir, root).split(sep).join('/') };
        }
        if (dirname(dir) === dir) return null;
      }
    })();
    return layoutPromise;
  }

  async function requireLayout(): Promise<Layout> {
    const found = await layout();
    if (!found) {
      throw new ForgeError('E_USAGE', `${root} is not inside a git repository.`, { hint: "forge sync pull --pr commits to the repository that holds forge.yaml: run 'git init' and commit first." });
    }
    return found;
  }

  const iso = () => import('isomorphic-git');

  /** The consumer repository as push.ts and commit.ts see a repository (objects read and written in place). */
  function asCacheRepo(found: Layout, created: Oid[] = []): CacheRepo {
    const address = parseRepository(root);
    return {
      url: address.url,
      address,
      repository: 'this repository',
      gitdir: found.gitdir,
      cache: {},
      tail: Promise.resolve(),
      ready: Promise.resolve(),
      extraWants: [],
      created: new Set(created),
    };
  }

  async function head(): Promise<ConsumerHead | null> {
    const found = await layout();
    if (!found) return null;
    if (await useNative()) {
      const commit = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
      if (commit.code !== 0) return null;
      const branch = await git(['symbolic-ref', '-q', '--short', 'HEAD']);
      return { commit: commit.stdout.toString('utf8').trim(), branch: branch.code === 0 ? branch.stdout.toString('utf8').trim() : null };
    }
    const g = await iso();
    const commit = await g.resolveRef({ fs, gitdir: found.gitdir, ref: 'HEAD' }).catch(() => null);
    if (!commit) return null;
    const branch = await g.currentBranch({ fs, gitdir: found.gitdir, fullname: false }).catch(() => undefined);
    return { commit, branch: branch ?? null };
  }

  async function remoteUrl(name: string): Promise<string | null> {
    const found = await layout();
    if (!found) return null;
    if (await useNative()) {
      const run = await git(['remote', 'get-url', name]);
      return run.code === 0 ? httpWithoutCredentials(run.stdout.toString('utf8').trim()) : null;
    }
    const g = await iso();
    const url = await g.getConfig({ fs, gitdir: found.gitdir, path: `remote.${name}.url` }).catch(() => undefined);
    return typeof url === 'string' && url !== '' ? withoutCredentials(url) : null;
  }

  async function objectAt(commit: Oid, path: string): Promise<Oid | null> {
    const found = await requireLayout();
    const target = topPath(found, path);
    if (await useNative()) {
      const run = await git(['rev-parse', '--verify', '-q', `${commit}:${target}`]);
      return run.code === 0 ? run.stdout.toString('utf8').trim() : null;
    }
    const g = await iso();
    const { commit: parsed } = await g.readCommit({ fs, gitdir: found.gitdir, oid: commit });
    let oid: Oid = parsed.tree;
    if (target === '') return oid;
    for (const segment of target.split('/')) {
      const tree = await g.readTree({ fs, gitdir: found.gitdir, oid }).catch(() => null);
      const entry = tree?.tree.find((e) => e.path === segment);
      if (!entry) return null;
      oid = entry.oid;
    }
    return oid;
  }

  /** Reads a working-tree file of a folder being committed, checking it still is what the scan saw. */
  async function fileContent(path: string, file: FileEntry): Promise<Uint8Array> {
    const absolute = join(root, ...path.split('/').filter(Boolean), ...file.path.split('/'));
    const content = file.mode === '120000' ? new Uint8Array(await readlink(absolute, { encoding: 'buffer' }).catch(() => Buffer.alloc(0))) : new Uint8Array(await readFile(absolute).catch(() => Buffer.alloc(0)));
    if (blobId(content) !== file.oid) throw changedMeanwhile(path, file.path);
    return content;
  }

  async function createCommit(input: ConsumerCommitInput): Promise<{ commit: Oid; tree: Oid }> {
    const found = await requireLayout();
    if (await useNative()) return nativeCommit(found, input);
    const changes: TreeChange[] = [];
    for (const entry of input.paths) {
      const target = topPath(found, entry.path);
      if (entry.kind === 'absent') changes.push({ action: 'delete', path: target });
      else if (entry.kind === 'file') changes.push({ action: 'write', path: target, mode: entry.mode, content: entry.content });
      else {
        changes.push({ action: 'delete', path: target });
        for (const file of entry.files) changes.push({ action: 'write', path: `${target}/${file.path}`, mode: file.mode, content: await fileContent(entry.path, file) });
      }
    }
    return createCommitWithIsomorphicGit(asCacheRepo(found), { parent: input.parent, changes, message: input.message, author: input.author, committer: input.committer }, async () => false);
  }

  async function nativeCommit(found: Layout, input: ConsumerCommitInput): Promise<{ commit: Oid; tree: Oid }> {
    const index = join(tmpdir(), `forge-update-index-${process.pid}-${randomBytes(6).toString('hex')}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      const read = await git(['read-tree', input.parent], { env });
      if (read.code !== 0) throw gitFailed(`read the tree of ${input.parent.slice(0, 12)}`, read);
      const records: string[] = [];
      for (const entry of input.paths) {
        const target = topPath(found, entry.path);
        // Out with whatever the parent has at the path (a file, or a folder's files)...
        const listed = await git(['--literal-pathspecs', 'ls-files', '-z', '--cached', '--', target], { env });
        if (listed.code !== 0) throw gitFailed(`list ${target}`, listed);
        for (const old of listed.stdout.toString('utf8').split('\0').filter(Boolean)) records.push(`0 ${'0'.repeat(40)}\t${old}`);
        // ...and in with the new content.
        if (entry.kind === 'file') records.push(`${entry.mode} ${await writeBlob(entry.content)}\t${target}`);
        if (entry.kind === 'folder') {
          const oids = await writeFolderBlobs(entry.path, entry.files);
          entry.files.forEach((file, i) => records.push(`${file.mode} ${oids[i]}\t${target}/${file.path}`));
        }
      }
      if (records.length > 0) {
        const update = await git(['update-index', '-z', '--index-info'], { env, input: records.map((r) => `${r}\0`).join('') });
        if (update.code !== 0) throw gitFailed('stage the update', update);
      }
      const tree = await git(['write-tree'], { env });
      if (tree.code !== 0) throw gitFailed('write the tree of the update', tree);
      const treeId = tree.stdout.toString('utf8').trim();
      const commit = await git(['commit-tree', treeId, '-p', input.parent, '--no-gpg-sign', '-F', '-'], {
        env: { ...identityEnv('AUTHOR', input.author), ...identityEnv('COMMITTER', input.committer) },
        input: input.message.endsWith('\n') ? input.message : `${input.message}\n`,
      });
      if (commit.code !== 0) throw gitFailed('write the update commit', commit);
      return { commit: commit.stdout.toString('utf8').trim(), tree: treeId };
    } finally {
      await rm(index, { force: true });
      await rm(`${index}.lock`, { force: true });
    }
  }

  async function writeBlob(content: Uint8Array): Promise<Oid> {
    const run = await git(['hash-object', '-w', '--no-filters', '--stdin'], { input: Buffer.from(content) });
    if (run.code !== 0) throw gitFailed('store a file of the update', run);
    return run.stdout.toString('utf8').trim();
  }

  /** Blobs of a folder's working-tree files, bytes as they are (no clean filters, no line-ending changes). */
  async function writeFolderBlobs(path: string, files: readonly FileEntry[]): Promise<Oid[]> {
    const oids: Oid[] = new Array(files.length);
    const regular = files.map((file, i) => ({ file, i })).filter(({ file }) => file.mode !== '120000');
    if (regular.length > 0) {
      const listing = regular.map(({ file }) => join(root, ...path.split('/').filter(Boolean), ...file.path.split('/'))).join('\n');
      const run = await git(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: `${listing}\n` });
      if (run.code !== 0) throw gitFailed(`store the files of ${path}`, run);
      const written = run.stdout.toString('utf8').trim().split('\n');
      regular.forEach(({ i }, n) => (oids[i] = written[n]!));
    }
    for (const [i, file] of files.entries()) {
      // A symlink's blob is its target: read it here (hash-object would follow the link).
      if (file.mode === '120000') oids[i] = await writeBlob(await fileContent(path, file));
      if (oids[i] !== file.oid) throw changedMeanwhile(path, file.path);
    }
    return oids;
  }

  async function remoteBranches(url: string): Promise<Map<string, Oid>> {
    const listed = await listRemoteRefs({ repos, transport, useNative }, repos.get(url));
    const out = new Map<string, Oid>();
    for (const ref of listed.refs) if (ref.name.startsWith('refs/heads/')) out.set(ref.name.slice('refs/heads/'.length), ref.commit);
    return out;
  }

  async function isAncestor(ancestor: Oid, commit: Oid): Promise<boolean> {
    if (ancestor === commit) return true;
    const found = await requireLayout();
    if (await useNative()) return (await git(['merge-base', '--is-ancestor', ancestor, commit])).code === 0;
    const g = await iso();
    return g.isDescendent({ fs, gitdir: found.gitdir, oid: commit, ancestor, depth: -1 }).catch(() => false);
  }

  async function pushCommit(input: { remote: string; commit: Oid; branch: string; expect: Oid | null }): Promise<void> {
    const found = await requireLayout();
    await push({ repos, transport, useNative }, asCacheRepo(found, [input.commit]), { remote: input.remote, commit: input.commit, branch: input.branch, expect: input.expect });
  }

  const repositoryPath = async (path: string) => topPath(await requireLayout(), path);

  return { head, remoteUrl, repositoryPath, objectAt, createCommit, remoteBranches, isAncestor, push: pushCommit };
}

function changedMeanwhile(path: string, file: string): ForgeError {
  return new ForgeError('E_LOCAL_CHANGES', `${path}/${file} changed while forge was committing it.`, { hint: 'Run the command again.', data: { path, file } });
}

