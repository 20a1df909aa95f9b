/**
 * In-memory fakes of every port the engine (src/sync) owns: no disk, no network, no git.
 *
 *   const world = makeWorld();
 *   const tools = world.upstream.repo('github.com/acme/tools');
 *   const v1 = tools.commit({ files: { 'components/button/a.txt': 'one\n',
 *                                      'components/button/run.sh': { content: '#!/bin/sh\n', mode: '100755' } },
 *                             tag: 'v1.0.0' });          // -> real git commit id
 *   tools.commit({ files: { 'components/button/a.txt': null }, tag: 'v1.1.0' });  // changes on top; null deletes
 *   world.manifest.seed([spec('button', 'github.com/acme/tools', { path: 'components/button', version: '^1.0.0' })]);
 *   const ctx = makeContext(world);                        // a fresh EngineContext over the same fakes
 *   await pull(ctx, { names: [], strategy: null, dryRun: false });
 *   world.worktree.files('components/button');             // { 'a.txt': 'one\n', ... }
 *
 * Blob, tree and commit ids are computed exactly as git does (tree ids through src/git/tree-hash.ts),
 * so a lock's `tree` can be compared with a worktree scan. Commits are dated 2024-01-01T00:00:00Z plus
 * one minute per commit of the repository, by "Forge Test <test@forge.invalid>", so ids are stable.
 *
 * The upstream fake behaves like the per-user object cache: a commit is readable only after
 * `ensureCommits` fetched it (readSnapshot/readCommit throw otherwise), so an engine that forgets to
 * fetch fails here as it would for real. Counters: `listRefsCalls`, `fetchCalls` (per URL).
 */
import { createHash } from 'node:crypto';
import { ForgeError } from '../../src/errors.js';
import { blobOid, snapshotFromFiles } from '../../src/git/tree-hash.js';
import type { EngineContext, TreeIndex } from '../../src/sync/engine-context.js';
import { EMPTY_TREE, type ComponentShape, type ComponentSpec, type FileEntry, type FileMode, type Lockfile, type Manifest, type Oid, type Selector, type Snapshot } from '../../src/core/model.js';
import { fileNameOf, fileSelector, WHOLE_FOLDER } from '../../src/core/file-filter.js';
import { nothingAtPath } from '../../src/git/read.js';
import { applyChange, type State } from '../../src/store/state.js';
import { pull } from '../../src/sync/pull.js';
import { repositoryId, repositoryUrl } from '../../src/core/repository.js';
import { comparePaths } from '../../src/core/paths.js';
import type {
  BlobStore,
  Clock,
  CommitInfo,
  ConflictSet,
  CreateCommitInput,
  FileChange,
  ForkRecord,
  GitIdentity,
  GitPort,
  HistoryEntry,
  LockStore,
  ManifestStore,
  PendingOperation,
  ProgressEvent,
  PullRequestRecord,
  PushInput,
  RemoteRefs,
  SnapshotOptions,
  UpstreamSnapshot,
  Reporter,
  StashEntry,
  StateChange,
  StateStore,
  Want,
  WorktreePort,
} from '../../src/core/ports.js';

export type FakeFile = string | Uint8Array | { content: string | Uint8Array; mode?: FileMode };
interface StoredFile {
  mode: FileMode;
  content: Uint8Array;
}

const bytes = (content: string | Uint8Array): Uint8Array => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
const text = (content: Uint8Array): string => Buffer.from(content).toString('utf8');
const clone = <T>(value: T): T => (value === undefined || value === null ? value : (JSON.parse(JSON.stringify(value)) as T));

function toStored(file: FakeFile): StoredFile {
  if (typeof file === 'string' || file instanceof Uint8Array) return { mode: '100644', content: bytes(file) };
  return { mode: file.mode ?? '100644', content: bytes(file.content) };
}

/** Blob ids by content object: a file carried from commit to commit is hashed once (large fixtures stay fast). */
const oids = new WeakMap<Uint8Array, Oid>();
function oidOf(content: Uint8Array): Oid {
  let oid = oids.get(content);
  if (oid === undefined) {
    oid = blobOid(content);
    oids.set(content, oid);
  }
  return oid;
}

/** Flattens a map of files into a Snapshot (paths relative to the map's root), with git's tree id. */
export function snapshotOf(files: ReadonlyMap<string, StoredFile>): Snapshot {
  const entries: FileEntry[] = [...files]
    .map(([path, f]) => ({ path, mode: f.mode, oid: oidOf(f.content) }))
    .sort((a, b) => comparePaths(a.path, b.path));
  return { tree: snapshotFromFiles(entries), files: entries };
}

/** Files under `folder/` of a full-path map, relative to the folder. */
function under(files: ReadonlyMap<string, StoredFile>, folder: string): Map<string, StoredFile> {
  const prefix = folder.replace(/\/+$/, '') + '/';
  const out = new Map<string, StoredFile>();
  for (const [path, f] of files) if (path.startsWith(prefix)) out.set(path.slice(prefix.length), f);
  return out;
}

// --- upstream ----------------------------------------------------------------------

export interface FakeCommitOptions {
  /** Changes on top of the branch tip (null deletes); with `replace`, the whole tree. */
  files: Record<string, FakeFile | null>;
  /** Tags created (or moved) on the new commit: `v1.0.0`, `button@1.0.0`... */
  tag?: string | string[];
  /** Branch to commit on (default: `main`); created from main's tip when missing. */
  branch?: string;
  message?: string;
  replace?: boolean;
}

/** `Name <email> 1704067200 +0200`, as git writes a commit's author and committer lines. */
function signature(id: GitIdentity): string {
  const minutes = Math.abs(id.timezoneOffset);
  const zone = `${id.timezoneOffset <= 0 ? '+' : '-'}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
  return `${id.name} <${id.email}> ${id.timestamp} ${zone}`;
}

interface FakeCommit {
  info: CommitInfo;
  files: Map<string, StoredFile>;
}

export class FakeRepository {
  readonly commits = new Map<Oid, FakeCommit>();
  /** Full ref name → commit. */
  readonly refs = new Map<string, Oid>();
  head = 'refs/heads/main';
  private count = 0;

  /** Every file content of every commit, by blob id. */
  readonly blobs = new Map<Oid, Uint8Array>();

  constructor(readonly url: string) {}

  /** Adds a commit and returns its (real git) id. */
  commit(options: FakeCommitOptions): Oid {
    const branch = `refs/heads/${options.branch ?? 'main'}`;
    const parent = this.refs.get(branch) ?? this.refs.get(this.head) ?? null;
    const files = new Map(options.replace || !parent ? [] : this.commits.get(parent)!.files);
    for (const [path, file] of Object.entries(options.files)) {
      if (file === null) files.delete(path);
      else files.set(path, toStored(file));
    }
    const timestamp = Date.UTC(2024, 0, 1) / 1000 + 60 * this.count++;
    const author = { name: 'Forge Test', email: 'test@forge.invalid', timestamp, timezoneOffset: 0 };
    const oid = this.store(files, parent ? [parent] : [], `${options.message ?? `commit ${this.count}`}\n`, author, author);
    this.refs.set(branch, oid);
    for (const tag of [options.tag ?? []].flat()) this.refs.set(`refs/tags/${tag}`, oid);
    return oid;
  }

  /** Stores a commit of these files, with the id git gives it. */
  store(files: Map<string, StoredFile>, parents: Oid[], message: string, author: GitIdentity, committer: GitIdentity): Oid {
    const tree = snapshotOf(files).tree;
    const body =
      `tree ${tree}\n` +
      parents.map((p) => `parent ${p}\n`).join('') +
      `author ${signature(author)}\ncommitter ${signature(committer)}\n\n${message}`;
    const oid = createHash('sha1').update(`commit ${Buffer.byteLength(body)}\0`).update(body).digest('hex');
    this.commits.set(oid, { info: { oid, parents, tree, message, author: { ...author } }, files });
    for (const f of files.values()) this.blobs.set(oidOf(f.content), f.content);
    return oid;
  }

  /** Deletes a ref upstream (a tag or branch that disappears). */
  deleteRef(name: string): void {
    this.refs.delete(name);
  }

  /** The files of `folder` at `commit`, relative to the folder (test convenience). */
  filesAt(commit: Oid, folder: string): Record<string, string> {
    const c = this.commits.get(commit);
    if (!c) throw new Error(`fake upstream: no commit ${commit} in ${this.url}`);
    return Object.fromEntries([...under(c.files, folder)].sort(([a], [b]) => comparePaths(a, b)).map(([p, f]) => [p, text(f.content)]));
  }

  treeAt(commit: Oid, folder: string): string {
    return snapshotOf(under(this.commits.get(commit)!.files, folder)).tree;
  }
}

/** In-memory upstream repositories behind the GitPort, with a per-URL "object cache". */
export class FakeUpstream implements GitPort {
  private readonly repos = new Map<string, FakeRepository>();
  /** Commits fetched into the cache, per repository (two spellings of one URL share it, as the real cache does). */
  private readonly cached = new Map<string, Set<Oid>>();
  /** Calls per repository identity (repositoryId: host/path, no scheme, no `.git`). */
  readonly listRefsCalls = new Map<string, number>();
  readonly fetchCalls = new Map<string, number>();
  /** Every push that reached a remote (accepted or refused), in order. */
  readonly pushes: ({ url: string } & PushInput)[] = [];
  /** Commits made by createCommit (push sends them along, as the real adapter does). */
  private readonly created = new Set<Oid>();
  /** Runs before each push: throw from it to make the push fail (e.g. an E_AUTH or E_NETWORK ForgeError). */
  beforePush: ((url: string, input: PushInput) => void) | undefined;

  /** The repository for an address as users write it (`github.com/org/repo`) or a full URL; created on first use. */
  repo(repository: string): FakeRepository {
    const id = repositoryId(repository);
    let repo = this.repos.get(id);
    if (!repo) {
      repo = new FakeRepository(repositoryUrl(repository));
      this.repos.set(id, repo);
    }
    return repo;
  }

  listRefsCount(repository?: string): number {
    return count(this.listRefsCalls, repository);
  }

  fetchCount(repository?: string): number {
    return count(this.fetchCalls, repository);
  }

  resetCounters(): void {
    this.listRefsCalls.clear();
    this.fetchCalls.clear();
    this.pushes.length = 0;
  }

  /** A fork of `upstream` at `fork` (an address as users write it): same commits and refs, as GitHub makes it. */
  forkOf(upstream: string, fork: string): FakeRepository {
    const source = this.repo(upstream);
    const copy = this.repo(fork);
    for (const [oid, c] of source.commits) copy.commits.set(oid, c);
    for (const [name, oid] of source.refs) copy.refs.set(name, oid);
    copy.head = source.head;
    return copy;
  }

  /** Forgets every fetched commit (a fresh machine with an empty cache). */
  clearCache(): void {
    this.cached.clear();
  }

  private known(url: string): FakeRepository {
    const repo = this.repos.get(repositoryId(url));
    if (!repo) throw new ForgeError('E_REPO_NOT_FOUND', `Repository ${url} was not found.`);
    return repo;
  }

  private fetched(url: string, commit: Oid): FakeCommit {
    const c = this.known(url).commits.get(commit);
    if (!c) throw new ForgeError('E_COMMIT_NOT_FOUND', `Commit ${commit} is not in ${url}.`);
    if (!this.cached.get(repositoryId(url))?.has(commit)) throw new Error(`fake upstream: commit ${commit.slice(0, 7)} of ${url} read before ensureCommits fetched it`);
    return c;
  }

  async listRemoteRefs(url: string): Promise<RemoteRefs> {
    this.listRefsCalls.set(repositoryId(url), (this.listRefsCalls.get(repositoryId(url)) ?? 0) + 1);
    const repo = this.known(url);
    const refs = [...repo.refs].map(([name, commit]) => ({ name, commit }));
    const head = repo.refs.get(repo.head);
    if (head) refs.unshift({ name: 'HEAD', commit: head });
    return { refs, head: head ? repo.head : null };
  }

  async ensureCommits(url: string, wants: Want[], _options?: { deep?: boolean }): Promise<{ fetched: boolean }> {
    const id = repositoryId(url);
    this.fetchCalls.set(id, (this.fetchCalls.get(id) ?? 0) + 1);
    const repo = this.known(url);
    const cache = this.cached.get(id) ?? new Set<Oid>();
    this.cached.set(id, cache);
    let fetched = false;
    for (const want of wants) {
      if (!repo.commits.has(want.commit)) throw new ForgeError('E_COMMIT_NOT_FOUND', `Commit ${want.commit} is not in ${url}.`);
      if (!cache.has(want.commit)) fetched = true;
      cache.add(want.commit);
    }
    return { fetched };
  }

  async hasCommit(url: string, commit: Oid): Promise<boolean> {
    return this.cached.get(repositoryId(url))?.has(commit) ?? false;
  }

  async readSnapshot(url: string, commit: Oid, path: string, options: SnapshotOptions = {}): Promise<UpstreamSnapshot> {
    const all = this.fetched(url, commit).files;
    const file = all.get(path);
    if (file) return { kind: 'file', ...snapshotOf(new Map([[options.fileName ?? fileNameOf(path), file]])) };
    const files = under(all, path);
    if (files.size === 0) throw nothingAtPath(url, path, commit);
    const select = fileSelector(options.filters);
    for (const p of [...files.keys()]) if (!select.selects(p)) files.delete(p);
    return { kind: 'folder', ...snapshotOf(files) };
  }

  async readBlob(url: string, oid: Oid): Promise<Uint8Array> {
    const found = this.known(url).blobs.get(oid);
    if (found) return found;
    throw new Error(`fake upstream: no blob ${oid} in ${url}`);
  }

  async findComponentManifests(url: string, commit: Oid): Promise<{ folder: string; content: Uint8Array }[]> {
    const out: { folder: string; content: Uint8Array }[] = [];
    for (const [path, f] of this.fetched(url, commit).files) {
      if (path === 'component.yaml' || path.endsWith('/component.yaml')) out.push({ folder: path.slice(0, -'/component.yaml'.length), content: f.content });
    }
    return out.sort((a, b) => comparePaths(a.folder, b.folder));
  }

  async readCommit(url: string, commit: Oid): Promise<CommitInfo> {
    return clone(this.fetched(url, commit).info);
  }

  async createCommit(url: string, input: CreateCommitInput): Promise<{ commit: Oid; tree: Oid }> {
    const repo = this.known(url);
    const files = new Map(this.fetched(url, input.parent).files);
    for (const change of input.changes) {
      const segments = change.path.split('/');
      if (segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
        throw new ForgeError('E_PATH_ESCAPES', `Cannot write '${change.path}' into a commit of ${url}.`);
      }
      // A file replaces a folder of that name and the other way round, as in a git tree.
      for (const path of [...files.keys()]) if (path.startsWith(`${change.path}/`)) files.delete(path);
      for (let i = 1; i < segments.length; i++) files.delete(segments.slice(0, i).join('/'));
      if (change.action === 'delete') files.delete(change.path);
      else files.set(change.path, { mode: change.mode, content: new Uint8Array(change.content) });
    }
    const message = input.message.endsWith('\n') ? input.message : `${input.message}\n`;
    const commit = repo.store(files, [input.parent], message, input.author, input.committer ?? input.author);
    this.cached.get(repositoryId(url))!.add(commit);
    this.created.add(commit);
    return { commit, tree: repo.commits.get(commit)!.info.tree };
  }

  async push(url: string, input: PushInput): Promise<{ previous: Oid | null }> {
    const source = this.known(url);
    const remote = this.known(input.remote);
    this.fetched(url, input.commit);
    this.pushes.push({ url, ...clone(input) });
    this.beforePush?.(url, input);
    const ref = `refs/heads/${input.branch}`;
    const current = remote.refs.get(ref) ?? null;
    if (current === input.commit) return { previous: current };
    if (!input.force) {
      if (input.expect !== undefined && current !== input.expect) {
        throw new ForgeError('E_PUSH_REJECTED', `Branch ${input.branch} of ${input.remote} is at ${current ?? 'nothing'}, not at ${input.expect ?? 'nothing'}.`, {
          data: { repository: input.remote, branch: input.branch },
        });
      }
      if (input.expect === undefined && current !== null && !this.descends(source, input.commit, current)) {
        throw new ForgeError('E_PUSH_REJECTED', `Branch ${input.branch} of ${input.remote} is at ${current}: not a fast-forward.`, {
          data: { repository: input.remote, branch: input.branch },
        });
      }
    }
    // As the real adapter: the commit and the commits createCommit made under it are sent; the
    // remote must have the rest already.
    const send: Oid[] = [];
    for (let next: Oid | undefined = input.commit; next !== undefined && !remote.commits.has(next); ) {
      if (next !== input.commit && !this.created.has(next)) {
        throw new ForgeError('E_PUSH_REJECTED', `${input.remote} refused the update of ${input.branch} (missing necessary objects).`, {
          data: { repository: input.remote, branch: input.branch },
        });
      }
      send.push(next);
      next = source.commits.get(next)!.info.parents[0];
    }
    for (const oid of send) remote.commits.set(oid, source.commits.get(oid)!);
    remote.refs.set(ref, input.commit);
    return { previous: current };
  }

  private descends(repo: FakeRepository, commit: Oid, ancestor: Oid): boolean {
    const queue = [commit];
    while (queue.length > 0) {
      const oid = queue.shift()!;
      if (oid === ancestor) return true;
      queue.push(...(repo.commits.get(oid)?.info.parents ?? []));
    }
    return false;
  }
}

function count(map: Map<string, number>, repository?: string): number {
  if (repository === undefined) return [...map.values()].reduce((a, b) => a + b, 0);
  return map.get(repositoryId(repository)) ?? 0;
}

// --- consumer working tree -----------------------------------------------------------

type ConsumerCommits = Awaited<ReturnType<NonNullable<WorktreePort['commitsTouching']>>>;

export interface FakeWorktreeOptions {
  /** Throws (a simulated kill -9) when this many file changes have been applied; counted across calls. */
  crashAfterWrites?: number;
}

/** The consumer repository's files in a Map keyed by full POSIX path. */
export class FakeWorktree implements WorktreePort {
  readonly store = new Map<string, StoredFile>();
  /** File changes applied so far (writes and deletes). */
  writes = 0;
  crashAfterWrites: number | undefined;
  /** What `commitsTouching` returns, per dest (set by rebase tests). */
  readonly consumerCommits = new Map<string, ConsumerCommits>();

  constructor(options: FakeWorktreeOptions = {}) {
    this.crashAfterWrites = options.crashAfterWrites;
  }

  /** Writes a file as the user would (full path from the repository root). */
  write(path: string, file: FakeFile): void {
    this.put(path, toStored(file));
  }

  remove(path: string): void {
    this.drop(path);
  }

  /** How many files each folder holds, kept with `store` so a write finds a folder to replace without a scan. */
  private readonly folderFiles = new Map<string, number>();
  private put(path: string, file: StoredFile): void {
    if (!this.store.has(path)) for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) this.folderFiles.set(path.slice(0, i), (this.folderFiles.get(path.slice(0, i)) ?? 0) + 1);
    this.store.set(path, file);
  }
  private drop(path: string): void {
    if (!this.store.delete(path)) return;
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      const folder = path.slice(0, i);
      const left = (this.folderFiles.get(folder) ?? 1) - 1;
      if (left > 0) this.folderFiles.set(folder, left);
      else this.folderFiles.delete(folder);
    }
  }

  /** The files of a folder, relative to it, as text. */
  files(dest: string): Record<string, string> {
    return Object.fromEntries([...under(this.store, dest)].sort(([a], [b]) => comparePaths(a, b)).map(([p, f]) => [p, text(f.content)]));
  }

  modes(dest: string): Record<string, FileMode> {
    return Object.fromEntries([...under(this.store, dest)].map(([p, f]) => [p, f.mode]));
  }

  read(path: string): string | null {
    const f = this.store.get(path);
    return f ? text(f.content) : null;
  }

  /** A deep copy of every file, to compare before/after byte for byte. */
  snapshotAll(): Map<string, StoredFile> {
    return new Map([...this.store].map(([p, f]) => [p, { mode: f.mode, content: new Uint8Array(f.content) }]));
  }

  /** The component's files at `dest`, by their path in snapshots (a single file: its name). */
  private mine(dest: string, shape: ComponentShape): Map<string, StoredFile> {
    if (shape.kind === 'file') {
      if ([...this.store.keys()].some((k) => k.startsWith(`${dest}/`))) throw new ForgeError('E_NAME_CLASH', `${dest} is a folder, but the component there is a single file.`);
      const f = this.store.get(dest);
      return new Map(f ? [[fileNameOf(dest), f]] : []);
    }
    if (this.store.has(dest)) throw new ForgeError('E_NAME_CLASH', `${dest} is a file, but the component there is a folder.`);
    const files = under(this.store, dest);
    const select = fileSelector(shape.filters);
    for (const p of [...files.keys()]) if (!select.selects(p)) files.delete(p);
    return files;
  }

  /** Where a component's file lives in the store. */
  private at(dest: string, file: string, shape: ComponentShape): string {
    if (shape.kind !== 'file') return `${dest}/${file}`;
    if (file !== fileNameOf(dest)) throw new ForgeError('E_PATH_ESCAPES', `File path ${JSON.stringify(file)} is not ${dest}, the single file of this component.`);
    return dest;
  }

  async scan(dest: string, shape: ComponentShape = WHOLE_FOLDER): Promise<Snapshot> {
    return snapshotOf(this.mine(dest, shape));
  }

  async readFile(dest: string, file: string, shape: ComponentShape = WHOLE_FOLDER): Promise<Uint8Array | null> {
    const f = this.store.get(this.at(dest, file, shape));
    return f ? new Uint8Array(f.content) : null;
  }

  /**
   * As the real worktree: deletes first, then writes; a write replaces a folder at its path, a
   * delete takes everything under the path, and a file where a folder must go is E_NAME_CLASH.
   */
  async apply(dest: string, changes: FileChange[], shape: ComponentShape = WHOLE_FOLDER): Promise<void> {
    const ordered = [...changes.filter((c) => c.action === 'delete'), ...changes.filter((c) => c.action === 'write')];
    const select = shape.kind === 'folder' ? fileSelector(shape.filters) : null;
    for (const change of ordered) {
      if (this.crashAfterWrites !== undefined && this.writes >= this.crashAfterWrites) {
        throw new Error(`simulated crash after ${this.writes} write(s)`);
      }
      this.writes++;
      const path = this.at(dest, change.path, shape);
      const inside = [...this.store.keys()].filter((key) => key.startsWith(`${path}/`));
      // As the real worktree: a folder holding files that are not the component's is never replaced.
      if (shape.kind === 'file' ? inside.length > 0 : inside.some((key) => !select!.selects(key.slice(dest.length + 1)))) {
        throw new ForgeError('E_NAME_CLASH', `${path} is a folder that holds files that are not component ${dest}'s.`);
      }
      for (const key of inside) this.drop(key);
      if (change.action === 'delete') {
        this.drop(path);
        continue;
      }
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const folder = parts.slice(0, i).join('/');
        if (this.store.has(folder)) throw new ForgeError('E_NAME_CLASH', `${folder} is a file where component ${dest} needs a folder.`);
      }
      this.put(path, { mode: change.mode, content: new Uint8Array(change.content) });
    }
  }

  async removeFolder(dest: string, shape: ComponentShape = WHOLE_FOLDER): Promise<void> {
    if (shape.kind === 'file') {
      this.mine(dest, shape);
      this.drop(dest);
      return;
    }
    if (shape.filters) {
      for (const path of this.mine(dest, shape).keys()) this.drop(`${dest}/${path}`);
      return;
    }
    for (const path of [...this.store.keys()]) if (path.startsWith(`${dest}/`)) this.drop(path);
  }

  async commitsTouching(dest: string, _sinceIso: string): Promise<ConsumerCommits> {
    return this.consumerCommits.get(dest) ?? [];
  }
}

// --- local files and state -----------------------------------------------------------

/** Builds a ComponentSpec as forge.yaml would (one of version/ref/commit; default `version: '*'`). */
export function spec(
  name: string,
  repository: string,
  options: { path?: string; dest?: string; version?: string; ref?: string; commit?: string; include?: string[]; exclude?: string[] } = {},
): ComponentSpec {
  const selector: Selector =
    options.commit !== undefined
      ? { kind: 'commit', commit: options.commit }
      : options.ref !== undefined
        ? { kind: 'ref', ref: options.ref }
        : { kind: 'version', range: options.version ?? '*' };
  return {
    name,
    repository,
    path: options.path,
    dest: options.dest,
    selector,
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    line: 1,
  };
}

export class FakeManifestStore implements ManifestStore {
  present = true;
  components: ComponentSpec[] = [];
  writes = 0;

  seed(components: ComponentSpec[]): this {
    this.components = clone(components);
    return this;
  }

  async exists(): Promise<boolean> {
    return this.present;
  }
  async read(): Promise<Manifest> {
    if (!this.present) throw new ForgeError('E_MANIFEST_MISSING', 'No forge.yaml here.');
    return { components: clone(this.components) };
  }
  async init(): Promise<void> {
    if (this.present && this.components.length) throw new ForgeError('E_USAGE', 'forge.yaml already exists.');
    this.present = true;
    this.writes++;
  }
  async upsert(spec: Omit<ComponentSpec, 'line'>): Promise<void> {
    this.writes++;
    const entry: ComponentSpec = { ...clone(spec), line: this.components.length + 1 };
    const i = this.components.findIndex((c) => c.name === spec.name);
    if (i >= 0) this.components[i] = entry;
    else this.components.push(entry);
  }
  async remove(name: string): Promise<void> {
    this.writes++;
    this.components = this.components.filter((c) => c.name !== name);
  }
  /** forge.yaml's "text" in the fake: the specs as JSON, in order. */
  async text(): Promise<string | null> {
    return this.present ? FakeManifestStore.render(this.components) : null;
  }
  async writeText(text: string): Promise<void> {
    this.writes++;
    this.present = true;
    this.components = FakeManifestStore.parse(text);
  }
  async upserted(spec: Omit<ComponentSpec, 'line'>): Promise<string> {
    const list = clone(this.components);
    const entry: ComponentSpec = { ...clone(spec), line: 0 };
    const i = list.findIndex((c) => c.name === spec.name);
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    return FakeManifestStore.render(list);
  }
  async removed(name: string): Promise<string> {
    if (!this.components.some((c) => c.name === name)) throw new ForgeError('E_UNKNOWN_COMPONENT', `Component '${name}' is not in forge.yaml.`);
    return FakeManifestStore.render(this.components.filter((c) => c.name !== name));
  }
  async restored(name: string, from: string): Promise<string> {
    const old = FakeManifestStore.parse(from);
    const at = old.findIndex((c) => c.name === name);
    if (at < 0) throw new Error(`fake manifest: no '${name}' in the text to restore from`);
    const list = clone(this.components).filter((c) => c.name !== name);
    const anchor = old.slice(0, at).map((c) => c.name).reverse().map((n) => list.findIndex((c) => c.name === n)).find((i) => i >= 0) ?? -1;
    list.splice(anchor + 1, 0, old[at]!);
    return FakeManifestStore.render(list);
  }
  static render(components: ComponentSpec[]): string {
    return `${JSON.stringify(components.map(({ line: _line, ...rest }) => rest))}\n`;
  }
  static parse(text: string): ComponentSpec[] {
    return (JSON.parse(text) as Omit<ComponentSpec, 'line'>[]).map((c, i) => ({ ...c, line: i + 1 }));
  }
}

/** Keys sorted at every level, like the real lockfile writer, so equal content compares equal. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

export class FakeLockStore implements LockStore {
  lockfile: Lockfile = { lockfileVersion: 1, components: {} };
  /** Actual writes (calls that changed the file). */
  writes = 0;
  /** Every call to write(), changed or not. */
  writeCalls = 0;

  async read(): Promise<Lockfile> {
    return clone(this.lockfile);
  }
  format(lock: Lockfile): string {
    return `${canonical(lock)}\n`;
  }
  parse(text: string): Lockfile {
    return JSON.parse(text) as Lockfile;
  }
  async write(lock: Lockfile): Promise<boolean> {
    this.writeCalls++;
    if (canonical(lock) === canonical(this.lockfile)) return false;
    this.lockfile = clone(lock);
    this.writes++;
    return true;
  }
}

/** .forge/state.json in memory; values are copied in and out, as JSON would. */
export class FakeStateStore implements StateStore {
  conflictSets: ConflictSet[] = [];
  stashList: StashEntry[] = [];
  historyList: HistoryEntry[] = [];
  forkList: ForkRecord[] = [];
  prList: PullRequestRecord[] = [];
  pendingOp: PendingOperation | null = null;

  async conflicts() {
    return clone(this.conflictSets);
  }
  async setConflicts(component: string, set: ConflictSet | null) {
    this.conflictSets = this.conflictSets.filter((c) => c.component !== component);
    if (set) this.conflictSets.push(clone(set));
  }
  async stashes() {
    return clone(this.stashList);
  }
  async pushStash(entry: StashEntry) {
    this.stashList.push(clone(entry));
  }
  async dropStash(id: string) {
    this.stashList = this.stashList.filter((s) => s.id !== id);
  }
  async history(component?: string) {
    return clone(this.historyList.filter((h) => component === undefined || h.component === component));
  }
  async record(entry: HistoryEntry) {
    this.historyList.push(clone(entry));
  }
  async markUndone(id: string) {
    for (const h of this.historyList) if (h.id === id) h.undone = true;
  }
  async forks() {
    return clone(this.forkList);
  }
  async saveFork(fork: ForkRecord) {
    this.forkList = [...this.forkList.filter((f) => f.upstream !== fork.upstream), clone(fork)];
  }
  async pullRequests() {
    return clone(this.prList);
  }
  async savePullRequest(pr: PullRequestRecord) {
    // One record per (repository, branch), as the real store keeps them.
    this.prList = [...this.prList.filter((p) => !(p.repository === pr.repository && p.branch === pr.branch)), clone(pr)];
  }
  async pending() {
    return clone(this.pendingOp);
  }
  async setPending(op: PendingOperation | null) {
    this.pendingOp = clone(op);
  }
  /** Number of apply() calls (each is one write of the real state file). */
  applies = 0;
  async apply(changes: readonly StateChange[], pending?: PendingOperation | null) {
    this.applies++;
    const state: State = {
      version: 2,
      conflicts: this.conflictSets,
      stashes: this.stashList,
      history: this.historyList,
      forks: this.forkList,
      pullRequests: this.prList,
      pending: this.pendingOp,
    };
    for (const change of changes) applyChange(state, clone(change));
    this.conflictSets = state.conflicts;
    this.stashList = state.stashes;
    this.historyList = state.history;
    this.forkList = state.forks;
    this.prList = state.pullRequests;
    if (pending !== undefined) this.pendingOp = clone(pending);
  }
}

export class FakeBlobStore implements BlobStore {
  readonly blobs = new Map<Oid, Uint8Array>();
  async put(content: Uint8Array): Promise<Oid> {
    const oid = blobOid(content);
    this.blobs.set(oid, new Uint8Array(content));
    return oid;
  }
  async get(oid: Oid): Promise<Uint8Array> {
    const found = this.blobs.get(oid);
    if (!found) throw new Error(`fake blob store: no blob ${oid}`);
    return new Uint8Array(found);
  }
}

export class FakeTreeIndex implements TreeIndex {
  readonly trees = new Map<string, Snapshot>();
  async get(tree: string): Promise<Snapshot | null> {
    if (tree === EMPTY_TREE) return { tree, files: [] };
    return clone(this.trees.get(tree) ?? null);
  }
  async put(snapshot: Snapshot): Promise<void> {
    this.trees.set(snapshot.tree, clone(snapshot));
  }
  async putFiles(files: readonly FileEntry[]): Promise<string> {
    const sorted = [...files].sort((a, b) => comparePaths(a.path, b.path));
    const tree = snapshotFromFiles(sorted);
    this.trees.set(tree, clone({ tree, files: sorted }));
    return tree;
  }
}

export class FixedClock implements Clock {
  constructor(public time = new Date('2024-06-01T12:00:00Z')) {}
  now(): Date {
    return new Date(this.time);
  }
  advance(seconds: number): void {
    this.time = new Date(this.time.getTime() + seconds * 1000);
  }
}

export class CollectingReporter implements Reporter {
  readonly events: ProgressEvent[] = [];
  emit(event: ProgressEvent): void {
    this.events.push(event);
  }
  ofType<T extends ProgressEvent['type']>(type: T): Extract<ProgressEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ProgressEvent, { type: T }> => e.type === type);
  }
}

// --- the context ---------------------------------------------------------------------

/** Every fake, shared by the contexts made over it (a second context = the next forge process). */
export interface World {
  upstream: FakeUpstream;
  worktree: FakeWorktree;
  manifest: FakeManifestStore;
  lock: FakeLockStore;
  state: FakeStateStore;
  blobs: FakeBlobStore;
  trees: FakeTreeIndex;
  clock: FixedClock;
  reporter: CollectingReporter;
  /** How many times an engine function asked for the git port. */
  gitBuilds: number;
}

export function makeWorld(options: FakeWorktreeOptions = {}): World {
  return {
    upstream: new FakeUpstream(),
    worktree: new FakeWorktree(options),
    manifest: new FakeManifestStore(),
    lock: new FakeLockStore(),
    state: new FakeStateStore(),
    blobs: new FakeBlobStore(),
    trees: new FakeTreeIndex(),
    clock: new FixedClock(),
    reporter: new CollectingReporter(),
    gitBuilds: 0,
  };
}

/** An EngineContext over the world's fakes; `overrides` replace single ports (e.g. a `git` that throws). */
export function makeContext(world: World = makeWorld(), overrides: Partial<EngineContext> = {}): EngineContext {
  return {
    manifest: world.manifest,
    lock: world.lock,
    state: world.state,
    blobs: world.blobs,
    trees: world.trees,
    worktree: world.worktree,
    git: () => {
      world.gitBuilds++;
      return world.upstream;
    },
    clock: world.clock,
    reporter: world.reporter,
    concurrency: 4,
    ...overrides,
  };
}

// --- a ready-made scenario -------------------------------------------------------------

export const TOOLS = 'github.com/acme/tools';
export const BUTTON = 'components/button';

/** The files of `button` at v1.0.0 (paths relative to the component). */
export const BUTTON_V1: Record<string, FakeFile> = {
  'a.txt': 'alpha\nbeta\ngamma\ndelta\nepsilon\n',
  'b.txt': 'bee\n',
  'run.sh': { content: '#!/bin/sh\necho 1\n', mode: '100755' },
};

/** Prefixes component-relative paths with the component's folder upstream. */
export function inFolder(folder: string, files: Record<string, FakeFile | null>): Record<string, FakeFile | null> {
  return Object.fromEntries(Object.entries(files).map(([p, f]) => [`${folder}/${p}`, f]));
}

/**
 * `button` (github.com/acme/tools, components/button, ^1.0.0) installed at v1.0.0 by a first pull;
 * counters and recorded events reset afterwards so a test sees only its own calls.
 */
export async function installedButton(options: FakeWorktreeOptions = {}) {
  const world = makeWorld(options);
  const crash = world.worktree.crashAfterWrites;
  world.worktree.crashAfterWrites = undefined;
  const tools = world.upstream.repo(TOOLS);
  tools.commit({ files: { 'README.md': 'tools\n', ...inFolder(BUTTON, BUTTON_V1) }, tag: 'v1.0.0' });
  const v1 = tools.refs.get('refs/tags/v1.0.0')!;
  world.manifest.seed([spec('button', TOOLS, { path: BUTTON, version: '^1.0.0' })]);
  await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
  world.upstream.resetCounters();
  world.lock.writes = 0;
  world.lock.writeCalls = 0;
  world.worktree.writes = 0;
  world.worktree.crashAfterWrites = crash;
  world.reporter.events.length = 0;
  world.gitBuilds = 0;
  return { world, tools, v1, ctx: makeContext(world) };
}
