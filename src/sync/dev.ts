// forge dev diff / forge dev edit: looking at and editing local component files.

import { ForgeError } from '../errors.js';
import { setField, structuredChanges, unifiedDiff } from '../merge/index.js';
import type { EngineContext } from './engine-context.js';
import { lockedSnapshot } from './pull-plan.js';
import { ensure } from './resolution.js';
import { repositoryUrl } from '../core/repository.js';
import { diffSnapshots, type ChangeKind } from './snapshot.js';
import { commitTransaction, prepareFolder } from './transaction.js';
import { unsafePathReason } from '../core/paths.js';
import { fileNameOf, shapeOf } from '../core/file-filter.js';

export interface FieldChange {
  field: string;
  kind: 'added' | 'removed' | 'changed';
  before: unknown;
  after: unknown;
}

export interface FileDiff {
  file: string;
  kind: ChangeKind;
  binary: boolean;
  patch: string;
  fields: FieldChange[] | null;
}

export interface ComponentDiff {
  component: string;
  dest: string;
  files: FileDiff[];
}

const structured = (path: string) => /\.(ya?ml|json)$/i.test(path);
const isBinary = (bytes: Uint8Array) => bytes.subarray(0, 8000).includes(0);

export async function diffComponents(ctx: EngineContext, names: string[]): Promise<ComponentDiff[]> {
  const lock = await ctx.lock.read();
  const all = Object.keys(lock.components).sort();
  for (const name of names) {
    if (!lock.components[name]) throw new ForgeError('E_UNKNOWN_COMPONENT', `No locked component named '${name}'.`, { hint: all.length ? `Locked components: ${all.join(', ')}.` : "Add one with 'forge add'." });
  }
  const out: ComponentDiff[] = [];
  for (const name of names.length ? names : all) {
    const entry = lock.components[name]!;
    const shape = shapeOf(entry);
    const local = await ctx.worktree.scan(entry.dest, shape);
    if (local.tree === entry.tree) {
      out.push({ component: name, dest: entry.dest, files: [] });
      continue;
    }
    const url = repositoryUrl(entry.repository);
    const git = ctx.git();
    // The diff reads the locked files' contents, so the locked commit must be in the cache.
    await ensure(ctx, entry.repository, [{ commit: entry.commit, ...(entry.ref ? { ref: entry.ref } : {}) }]);
    const base = await lockedSnapshot(ctx, entry);
    const files: FileDiff[] = [];
    for (const change of diffSnapshots(base, local)) {
      const before = change.before ? await git.readBlob(url, change.before.oid) : new Uint8Array();
      const after = change.after ? ((await ctx.worktree.readFile(entry.dest, change.path, shape)) ?? new Uint8Array()) : new Uint8Array();
      const binary = isBinary(before) || isBinary(after);
      const a = shape.kind === 'file' ? entry.dest : `${entry.dest}/${change.path}`;
      let patch: string;
      if (binary) patch = `Binary files ${change.before ? `a/${a}` : '/dev/null'} and ${change.after ? `b/${a}` : '/dev/null'} differ\n`;
      else if (change.kind === 'mode') patch = `diff --git a/${a} b/${a}\nold mode ${change.before!.mode}\nnew mode ${change.after!.mode}\n`;
      else {
        const body = unifiedDiff(change.before ? a : '/dev/null', change.after ? a : '/dev/null', decode(before), decode(after));
        const modeLine = change.kind === 'added' ? `new file mode ${change.after!.mode}\n` : change.kind === 'deleted' ? `deleted file mode ${change.before!.mode}\n` : '';
        patch = `diff --git a/${a} b/${a}\n${modeLine}${body}`;
      }
      let fields: FieldChange[] | null = null;
      if (!binary && structured(change.path) && change.before && change.after) {
        try {
          fields = structuredChanges(change.path, decode(before), decode(after));
        } catch {
          fields = null; // a file that no longer parses has no field view; the text diff says it all
        }
      }
      files.push({ file: change.path, kind: change.kind, binary, patch, fields });
    }
    out.push({ component: name, dest: entry.dest, files });
  }
  return out;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

export interface EditResult {
  component: string;
  file: string;
  field: string;
  before: unknown;
  after: unknown;
}

export async function editField(ctx: EngineContext, options: { component: string; field: string; value: string; file?: string }): Promise<EditResult> {
  const lock = await ctx.lock.read();
  const entry = lock.components[options.component];
  if (!entry) throw new ForgeError('E_UNKNOWN_COMPONENT', `No locked component named '${options.component}'.`, { hint: "Run 'forge sync status' to list components." });
  const shape = shapeOf(entry);
  // A single-file component is its one file: that is what dev edit changes.
  const file = options.file ?? (shape.kind === 'file' ? fileNameOf(entry.dest) : 'component.yaml');
  if (shape.kind === 'file' && file !== fileNameOf(entry.dest)) {
    throw new ForgeError('E_USAGE', `'${options.component}' is the single file ${entry.dest}; --file '${file}' is not it.`, { hint: 'Leave out --file: dev edit changes the component file itself.' });
  }
  const shown = shape.kind === 'file' ? entry.dest : `${entry.dest}/${file}`;
  const reason = unsafePathReason(file);
  if (reason) throw new ForgeError('E_PATH_ESCAPES', `--file '${file}' ${reason}.`, { hint: 'Give a file inside the component folder.' });
  if (!structured(file)) {
    const what = shape.kind === 'file' && options.file === undefined ? `'${options.component}' is ${entry.dest}, which` : `--file '${file}'`;
    throw new ForgeError('E_USAGE', `${what} is not a YAML or JSON file.`, { hint: 'dev edit changes fields of .yaml, .yml and .json files.' });
  }
  if (!/^[^.]+(\.[^.]+)*$/.test(options.field)) throw new ForgeError('E_USAGE', `--field '${options.field}' is not a dotted field path like config.timeout.`);
  const current = await ctx.worktree.readFile(entry.dest, file, shape);
  if (current === null) throw new ForgeError('E_USAGE', `${shown} does not exist.`, { hint: shape.kind === 'file' ? `Run 'forge sync pull ${options.component}' to put it back.` : 'Pick an existing file with --file.' });
  const text = decode(current);
  let next: string;
  try {
    next = setField(file, text, options.field, options.value);
  } catch (error) {
    throw new ForgeError('E_USAGE', `Cannot set ${options.field} in ${shown}: ${error instanceof Error ? error.message : String(error)}`, { hint: 'Fix the file so it parses, or pick another field.' });
  }
  const changes = structuredChanges(file, text, next);
  const change = changes.find((c) => c.field === options.field) ?? changes[0];
  const local = await ctx.worktree.scan(entry.dest, shape);
  const mode = local.files.find((f) => f.path === file)?.mode ?? '100644';
  // Through the one write protocol: the old file is backed up and the write recorded first, so an
  // interrupted edit is rolled back by the next command instead of leaving a half-written file.
  const folder = await prepareFolder(ctx, { name: options.component, dest: entry.dest, current: local, shape, changes: [{ action: 'write', path: file, mode, content: new TextEncoder().encode(next) }] });
  await commitTransaction(ctx, { operation: 'dev edit', folders: [folder], state: [] });
  return { component: options.component, file, field: options.field, before: change?.before ?? null, after: change?.after ?? null };
}
