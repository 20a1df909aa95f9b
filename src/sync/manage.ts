// forge add / forge remove: change forge.yaml and the lock together. Both plan
// first with forge.yaml as it will be, so a failure writes nothing at all.

import { ForgeError } from '../errors.js';
import { validateRange } from '../resolve/index.js';
import { applyPlan, type ApplyResult } from './apply.js';
import type { EngineContext } from './engine-context.js';
import type { ComponentSpec, Lockfile, Selector } from '../core/model.js';
import { normalizePath, unsafePathReason } from '../core/paths.js';
import { planPull, planRemoval, type ComponentPlan, type PullPlan } from './pull-plan.js';
import { RemoteView, locateByName } from './resolution.js';
import { repositoryUrl } from '../core/repository.js';
import { describeFilter, filterOf, patternProblem } from '../core/file-filter.js';

export interface AddOptions {
  repository: string;
  component: string;
  version?: string;
  ref?: string;
  commit?: string;
  path?: string;
  dest?: string;
  name?: string;
  /** gitignore-style patterns relative to the path: only the files they select are installed. */
  include?: string[];
  exclude?: string[];
  dryRun?: boolean;
}

export interface AddResult extends ApplyResult {
  spec: Omit<ComponentSpec, 'line'>;
}

export async function addComponent(ctx: EngineContext, options: AddOptions): Promise<AddResult> {
  const chosen = [options.version, options.ref, options.commit].filter((x) => x !== undefined);
  if (chosen.length > 1) throw new ForgeError('E_USAGE', 'Give only one of --version, --ref and --commit.');
  repositoryUrl(options.repository); // validates the address early
  const name = options.name ?? options.component;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new ForgeError('E_USAGE', `'${name}' cannot be a component name: use letters, digits, '.', '_' and '-'.`, { hint: 'Choose another with --name.' });
  }
  for (const [flag, value] of [['--path', options.path], ['--dest', options.dest]] as const) {
    if (value === undefined) continue;
    const reason = unsafePathReason(value);
    if (reason) throw new ForgeError('E_PATH_ESCAPES', `${flag} '${value}' ${reason}.`, { hint: 'Give a folder or file inside the repository.' });
  }
  for (const [flag, list] of [['--include', options.include], ['--exclude', options.exclude]] as const) {
    for (const pattern of list ?? []) {
      const reason = patternProblem(pattern);
      if (reason) throw new ForgeError('E_USAGE', `${flag} ${JSON.stringify(pattern)} ${reason}.`, { hint: 'Give gitignore-style patterns relative to the component, such as "src/**" or "*.test.ts".' });
    }
  }
  let selector: Selector;
  if (options.commit !== undefined) {
    if (!/^[0-9a-f]{40}$/i.test(options.commit)) throw new ForgeError('E_USAGE', `--commit '${options.commit}' is not a full 40-hex commit id.`);
    selector = { kind: 'commit', commit: options.commit.toLowerCase() };
  } else if (options.ref !== undefined) selector = { kind: 'ref', ref: options.ref };
  else {
    const range = options.version ?? '*';
    const problem = validateRange(range);
    if (problem) throw new ForgeError('E_BAD_RANGE', `--version '${range}' is not a valid semver range: ${problem}.`, { hint: 'Examples: ^2.1.0, ~1.3.0, >=1.2.0 <2.0.0, 2.1.3.' });
    selector = { kind: 'version', range };
  }

  const manifest = await ctx.manifest.read();
  if (manifest.components.some((c) => c.name === name)) {
    throw new ForgeError('E_DUPLICATE_COMPONENT', `forge.yaml already has a component named '${name}'.`, {
      hint: "Pick another local name with --name, or 'forge remove' the old one first.",
    });
  }
  let path = options.path !== undefined ? normalizePath(options.path) : undefined;
  if (path === undefined) path = await locateByName(ctx, new RemoteView(ctx), options.repository, options.component, selector, null);
  const dest = options.dest !== undefined ? normalizePath(options.dest) : undefined;
  const spec: Omit<ComponentSpec, 'line'> = {
    name,
    repository: options.repository,
    path,
    dest,
    selector,
    ...(options.include?.length ? { include: options.include } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
  };
  if (!options.version && !options.ref && !options.commit) {
    // No range given: follow the newest version's major, as `npm install x` writes ^x.y.z.
    const view = new RemoteView(ctx);
    const newest = await view.newestAllowed(options.repository, path, selector, [name, options.component]);
    if (newest?.version) spec.selector = { kind: 'version', range: `^${newest.version}` };
  }

  const nextManifest = { components: [...manifest.components, { ...spec, line: 0 }] };
  const plan = await planPull(ctx, { names: [name], strategy: null, manifest: nextManifest, unlock: new Set([name]), allowDowngrade: true });
  const mine = plan.components.find((c) => c.name === name);
  if (mine?.action === 'blocked') {
    const file = mine.shape.kind === 'file';
    throw new ForgeError('E_LOCAL_CHANGES', file ? `'${mine.dest}' already exists and forge did not install it.` : `The folder '${mine.dest}' already has files that forge did not install.`, {
      hint: file ? 'Choose another --dest, or move that file away first.' : 'Choose another --dest, or move those files away first.',
    });
  }
  if (mine?.target && mine.target.files.length === 0 && filterOf(spec)) {
    throw new ForgeError('E_USAGE', `The include/exclude patterns of '${name}' (${describeFilter(filterOf(spec))}) select no file of ${path} in ${options.repository}.`, {
      hint: 'Check the patterns: they are relative to the path, as in a .gitignore there.',
    });
  }
  if (options.dryRun) return { plan, written: false, conflicted: [], blocked: [], spec };
  // forge.yaml, the folders and the lock in one transaction: a failure or a crash leaves none of them changed.
  const before = await ctx.manifest.text();
  const after = await ctx.manifest.upserted(spec);
  const result = await applyPlan(ctx, plan, { op: 'add', manifest: { before, after, component: name } });
  return { ...result, spec };
}

export interface RemoveOptions {
  name: string;
  keepFiles: boolean;
  /** Remove folders with local changes too (they are backed up; undo brings them back). */
  force?: boolean;
}

export interface RemoveResult {
  removed: ComponentPlan[];
  kept: string[];
}

export async function removeComponent(ctx: EngineContext, options: RemoveOptions): Promise<RemoveResult> {
  const manifest = await ctx.manifest.read();
  const lock = await ctx.lock.read();
  const spec = manifest.components.find((c) => c.name === options.name);
  if (!spec) {
    const dep = lock.components[options.name];
    if (dep && dep.requiredBy?.length) {
      throw new ForgeError('E_USAGE', `'${options.name}' is a dependency of ${dep.requiredBy.join(', ')}, not a component of forge.yaml.`, {
        hint: `Remove ${dep.requiredBy[0]} instead; its dependencies go with it when nothing else needs them.`,
      });
    }
    throw new ForgeError('E_UNKNOWN_COMPONENT', `No component named '${options.name}' in forge.yaml.`, {
      hint: manifest.components.length ? `Known components: ${manifest.components.map((c) => c.name).join(', ')}.` : undefined,
    });
  }
  const conflicts = await ctx.state.conflicts();
  if (conflicts.some((c) => c.component === options.name)) {
    throw new ForgeError('E_CONFLICTS', `'${options.name}' has unresolved conflicts.`, {
      hint: `Settle them with 'forge sync resolve ${options.name}' (or --abort) before removing it.`,
    });
  }
  // What stays needed: everything reachable from the remaining direct components through the lock.
  const keep = new Set<string>();
  const visit = (name: string) => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const dep of lock.components[name]?.dependencies ?? []) visit(dep);
  };
  for (const c of manifest.components) if (c.name !== options.name) visit(c.name);
  const drop = Object.values(lock.components).filter((e) => !keep.has(e.name));

  const removals: ComponentPlan[] = [];
  for (const entry of drop) {
    removals.push(await planRemoval(ctx, entry, entry.name === options.name ? 'removed from forge.yaml' : `no longer needed once ${options.name} is gone`));
  }
  const next: Lockfile = { lockfileVersion: 1, components: {} };
  for (const [name, entry] of Object.entries(lock.components)) {
    if (!keep.has(name)) continue;
    const requiredBy = entry.requiredBy?.filter((r) => keep.has(r));
    next.components[name] = requiredBy && requiredBy.length ? { ...entry, requiredBy } : withoutRequiredBy(entry);
  }
  const edited = removals.filter((r) => r.localChanges.length > 0);
  if (edited.length > 0 && !options.keepFiles && !options.force) {
    const list = edited.map((r) => `${r.dest} (${r.localChanges.map((c) => c.path).join(', ')})`).join('; ');
    throw new ForgeError('E_LOCAL_CHANGES', `Removing '${options.name}' would delete local changes: ${list}.`, {
      hint: `Nothing was changed. Run 'forge remove ${options.name} --force' to remove them anyway ('forge sync undo ${options.name}' brings them back), or --keep-files to leave the files.`,
      data: { components: edited.map((r) => ({ name: r.name, dest: r.dest, files: r.localChanges.map((c) => c.path) })) },
    });
  }
  const before = await ctx.manifest.text();
  const after = await ctx.manifest.removed(options.name);
  const plan: PullPlan = { components: removals, lock: next, strategy: null, fetched: [] };
  await applyPlan(ctx, plan, { op: 'remove', manifest: { before, after, component: options.name }, keepFiles: options.keepFiles });
  return { removed: removals, kept: options.keepFiles ? removals.map((r) => r.dest) : [] };
}

function withoutRequiredBy<T extends { requiredBy?: string[] }>(entry: T): T {
  if (!entry.requiredBy) return entry;
  const { requiredBy: _unused, ...rest } = entry;
  return rest as T;
}
