// forge verify: for pull-request CI. Checks the lock against forge.yaml and each lock entry
// against upstream: the commit exists, its tag or ref still points at it (a moved tag is
// reported), and the upstream tree at `path` is the lock's `tree`. A pull request that edits a
// vendored file and rewrites its lock `tree` to match looks pristine offline; this catches it.
// Local edits are not an error here (status reports them). Nothing is written.

import PQueue from 'p-queue';
import semver from 'semver';
import { ForgeError, isForgeError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import type { LockEntry, Lockfile, Manifest } from '../core/model.js';
import { repositoryUrl } from '../core/repository.js';
import { describeFilter, filterOf, snapshotOptionsOf } from '../core/file-filter.js';
import type { FileFilter } from '../core/model.js';
import type { UpstreamSnapshot } from '../core/ports.js';
import { RemoteView, ensure, lockMatchesSpec, selectorOfLock } from './resolution.js';

export type VerifyCheck = 'manifest' | 'lock' | 'commit' | 'ref' | 'tree';

export interface VerifyProblem {
  component: string;
  check: VerifyCheck;
  message: string;
}

export interface ComponentVerification {
  name: string;
  repository: string;
  version: string | null;
  commit: string | null;
  /** Its line in forge.yaml; null for a dependency. */
  line: number | null;
  ok: boolean;
  problems: VerifyProblem[];
}

export interface VerifyReport {
  ok: boolean;
  components: ComponentVerification[];
}

export async function verify(ctx: EngineContext, names: string[]): Promise<VerifyReport> {
  const manifest = await ctx.manifest.read();
  const lock = await ctx.lock.read();
  const all = [...new Set([...manifest.components.map((c) => c.name), ...Object.keys(lock.components).sort()])];
  for (const name of names) {
    if (!all.includes(name)) {
      throw new ForgeError('E_UNKNOWN_COMPONENT', `No component named '${name}' in forge.yaml or forge.lock.yaml.`, {
        hint: all.length ? `Known components: ${all.join(', ')}.` : "Add one with 'forge add'.",
      });
    }
  }
  const selected = names.length ? all.filter((n) => names.includes(n)) : all;
  const offline = lockProblems(manifest, lock);
  const view = new RemoteView(ctx);
  const queue = new PQueue({ concurrency: Math.max(1, ctx.concurrency) });
  const components = await Promise.all(
    selected.map((name) =>
      queue.add(async (): Promise<ComponentVerification> => {
        const entry = lock.components[name];
        const problems = offline.filter((p) => p.component === name);
        if (entry) problems.push(...(await upstreamProblems(ctx, view, entry)));
        return {
          name,
          repository: entry?.repository ?? manifest.components.find((c) => c.name === name)?.repository ?? '',
          version: entry?.version ?? null,
          commit: entry?.commit ?? null,
          line: manifest.components.find((c) => c.name === name)?.line ?? null,
          ok: problems.length === 0,
          problems,
        };
      }),
    ),
  );
  return { ok: components.every((c) => c.ok), components };
}

/** A component's include/exclude for a message (nothing when it has none). */
function patterns(filter: FileFilter | undefined): string {
  return filter ? ` (${describeFilter(filter)})` : '';
}

/** Does the lock satisfy forge.yaml? (No network.) */
function lockProblems(manifest: Manifest, lock: Lockfile): VerifyProblem[] {
  const out: VerifyProblem[] = [];
  const direct = new Set(manifest.components.map((c) => c.name));
  for (const spec of manifest.components) {
    const entry = lock.components[spec.name];
    if (!entry) {
      out.push({ component: spec.name, check: 'manifest', message: `${spec.name} is in forge.yaml (line ${spec.line}) but not in forge.lock.yaml; run 'forge sync pull ${spec.name}'` });
      continue;
    }
    if (!lockMatchesSpec(spec, { ...entry })) {
      const wanted = spec.selector.kind === 'version' ? `version ${spec.selector.range}` : spec.selector.kind === 'ref' ? `ref ${spec.selector.ref}` : `commit ${spec.selector.commit}`;
      const locked = selectorOfLock(entry);
      const has = locked.kind === 'version' ? `version ${locked.range}` : locked.kind === 'ref' ? `ref ${locked.ref}` : `commit ${locked.commit}`;
      out.push({
        component: spec.name,
        check: 'manifest',
        message: `forge.yaml (line ${spec.line}) asks for ${spec.repository} ${spec.path ?? entry.path} → ${spec.dest ?? spec.path ?? entry.path}, ${wanted}${patterns(filterOf(spec))}; forge.lock.yaml has ${entry.repository} ${entry.path} → ${entry.dest}, ${has}${patterns(filterOf(entry))}`,
      });
    }
  }
  for (const entry of Object.values(lock.components)) {
    if (entry.constraint !== undefined && entry.version !== undefined && !semver.satisfies(entry.version, entry.constraint)) {
      out.push({ component: entry.name, check: 'lock', message: `forge.lock.yaml locks ${entry.name} at ${entry.version}, outside its constraint ${entry.constraint}` });
    }
    const spec = manifest.components.find((c) => c.name === entry.name);
    if (spec?.selector.kind === 'version' && entry.version !== undefined && !semver.satisfies(entry.version, spec.selector.range)) {
      out.push({ component: entry.name, check: 'manifest', message: `forge.lock.yaml locks ${entry.name} at ${entry.version}, outside ${spec.selector.range} from forge.yaml (line ${spec.line})` });
    }
  }
  // Every locked component is in forge.yaml or needed by one that is.
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !lock.components[name]) return;
    needed.add(name);
    for (const dep of lock.components[name]!.dependencies) visit(dep);
  };
  direct.forEach(visit);
  for (const name of Object.keys(lock.components)) {
    if (!needed.has(name)) out.push({ component: name, check: 'manifest', message: `${name} is in forge.lock.yaml, but neither forge.yaml nor any component in it needs it` });
  }
  return out;
}

/** The locked commit exists upstream, its tag or ref still points at it, and its tree at `path` is the lock's. */
async function upstreamProblems(ctx: EngineContext, view: RemoteView, entry: LockEntry): Promise<VerifyProblem[]> {
  const out: VerifyProblem[] = [];
  const problem = (check: VerifyCheck, message: string) => out.push({ component: entry.name, check, message });
  const remote = await view.listRefs(entry.repository);
  let refOk = false;
  if (entry.ref) {
    const now = remote.refs.find((r) => r.name === entry.ref);
    const shown = entry.ref.replace(/^refs\/(tags|heads)\//, '');
    if (!now) problem('ref', `${entry.ref.startsWith('refs/tags/') ? 'tag' : 'ref'} ${shown} no longer exists in ${entry.repository}`);
    else if (entry.ref.startsWith('refs/tags/') && now.commit !== entry.commit) {
      problem('ref', `tag ${shown} in ${entry.repository} now points at ${now.commit.slice(0, 12)}, not the locked ${entry.commit.slice(0, 12)} (the tag moved)`);
    } else refOk = true;
  }
  try {
    // By ref when the ref still leads there (a shallow fetch); else by the commit id itself.
    await ensure(ctx, entry.repository, [{ commit: entry.commit, ...(refOk && entry.ref ? { ref: entry.ref } : {}) }]);
  } catch (error) {
    if (isForgeError(error) && (error.code === 'E_COMMIT_NOT_FOUND' || error.code === 'E_REF_NOT_FOUND')) {
      problem('commit', `commit ${entry.commit.slice(0, 12)} does not exist in ${entry.repository}`);
      return out;
    }
    throw error;
  }
  let upstream: UpstreamSnapshot;
  try {
    upstream = await ctx.git().readSnapshot(repositoryUrl(entry.repository), entry.commit, entry.path, snapshotOptionsOf(entry));
  } catch (error) {
    if (isForgeError(error) && error.code === 'E_COMPONENT_NOT_FOUND') {
      problem('tree', `${entry.path} does not exist in ${entry.repository} at ${entry.commit.slice(0, 12)}`);
      return out;
    }
    throw error;
  }
  const byHand = '(the lock or the vendored files were changed by hand)';
  const at = `at ${entry.path} in ${entry.commit.slice(0, 12)}`;
  if (entry.blob !== undefined) {
    // A single file: its blob and mode, as git records them.
    const file = upstream.kind === 'file' ? upstream.files[0]! : null;
    if (file === null) problem('tree', `forge.lock.yaml says ${entry.path} is a single file (blob ${entry.blob.slice(0, 12)}), but ${entry.repository} has a folder ${at}`);
    else if (file.oid !== entry.blob) problem('tree', `forge.lock.yaml says blob ${entry.blob.slice(0, 12)}, but ${entry.repository} has blob ${file.oid.slice(0, 12)} ${at} ${byHand}`);
    else if (file.mode !== entry.mode) problem('tree', `forge.lock.yaml says mode ${entry.mode}, but ${entry.repository} has mode ${file.mode} ${at} ${byHand}`);
  } else if (upstream.kind === 'file') {
    problem('tree', `forge.lock.yaml says ${entry.path} is a folder (tree ${entry.tree.slice(0, 12)}), but ${entry.repository} has a single file ${at}`);
  } else if (upstream.tree !== entry.tree) {
    const selected = entry.include !== undefined || entry.exclude !== undefined ? ' for the files its include/exclude select' : '';
    problem('tree', `forge.lock.yaml says tree ${entry.tree.slice(0, 12)}, but ${entry.repository} has tree ${upstream.tree.slice(0, 12)}${selected} ${at} ${byHand}`);
  }
  return out;
}
