// forge sync resolve: settles recorded conflicts, continues a stopped
// --rebase, or (--abort) puts the folder and lock back as before the pull.
// The interactive walk is driven through a `Chooser` the command supplies,
// so the engine never touches a terminal.

import { ForgeError } from '../errors.js';
import { mergeFile, mergeText, mergeTextFavor, renderRegions, type ConflictChoice, type MergeRegion } from '../merge/index.js';

import type { EngineContext } from './engine-context.js';
import type { ComponentShape, ConflictRecord, FileEntry, FileMode } from '../core/model.js';
import { shapeOf } from '../core/file-filter.js';
import type { ConflictSet, FileChange, HistoryEntry, StateChange } from '../core/ports.js';
import { stepBack } from './history-ops.js';
import { backupFiles, commitTransaction, filesAfter, keepBlobs, newId, prepareFolder } from './transaction.js';
import { validatorFor } from './pull-plan.js';
import { replay } from './rebase.js';

export type ResolveMode =
  | { kind: 'prefer'; side: 'local' | 'upstream' }
  | { kind: 'strategy'; strategy: 'ours' | 'theirs' | 'union' | 'merge' }
  | { kind: 'interactive'; chooser: Chooser }
  /** No flag: files the user edited by hand (no markers left) count as resolved, like `git add`. */
  | { kind: 'marked' };

export interface HunkQuestion {
  file: string;
  /** 1-based, over every conflict of the component. */
  index: number;
  total: number;
  type: ConflictRecord['type'];
  message: string;
  /** For text hunks; null for whole-file conflicts (binary, deleted on one side). */
  hunk: { local: string[]; upstream: string[]; base: string[] } | null;
}

export type HunkAnswer = 'local' | 'upstream' | 'both' | 'skip' | { custom: string };

export interface Chooser {
  choose(question: HunkQuestion): Promise<HunkAnswer>;
}

export interface ResolveResult {
  component: string;
  resolved: string[];
  remaining: ConflictRecord[];
  aborted: boolean;
  /** Set when a --rebase continued: where it stopped again, or null if it finished. */
  rebase: { continued: boolean; stoppedAt: string | null } | null;
  /**
   * The component's state once nothing is left to settle: `modified` when its files differ from
   * the locked ones (the usual case: local edits were kept), `synced` when the resolution took
   * upstream's files throughout; null while conflicts remain or when aborted.
   */
  state: 'modified' | 'synced' | null;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const MARKER = /^(<{7} |={7}$|>{7} )/m;

type Side = { mode: FileMode; content: Uint8Array } | null;
interface Sides {
  base: Side;
  local: Side;
  upstream: Side;
}

export async function resolveConflicts(
  ctx: EngineContext,
  options: { component: string; files: string[]; mode: ResolveMode | { kind: 'abort' } },
): Promise<ResolveResult> {
  const sets = await ctx.state.conflicts();
  const set = sets.find((s) => s.component === options.component);
  if (!set) {
    throw new ForgeError('E_NO_CONFLICTS', `'${options.component}' has no unresolved conflicts.`, {
      hint: sets.length ? `Components with conflicts: ${sets.map((s) => s.component).join(', ')}.` : "Nothing to resolve; 'forge sync status' shows each component's state.",
    });
  }
  if (options.mode.kind === 'abort') return abort(ctx, set);

  for (const file of options.files) {
    if (!set.records.some((r) => r.file === file)) {
      throw new ForgeError('E_USAGE', `'${file}' has no conflict in ${options.component}.`, { hint: `Conflicted files: ${set.records.map((r) => r.file).join(', ')}.` });
    }
  }
  const lock = await ctx.lock.read();
  const entry = lock.components[set.component];
  if (!entry) throw new ForgeError('E_NOT_LOCKED', `'${set.component}' is not in forge.lock.yaml.`, { hint: "Run 'forge sync resolve --abort' and pull again." });
  const dest = entry.dest;
  const shape = set.shape ?? shapeOf(entry);
  const before = await ctx.worktree.scan(dest, shape);

  const partial = new Map<string, ConflictRecord>();
  const chosen = set.records.filter((r) => options.files.length === 0 || options.files.includes(r.file));
  const sidesOf = new Map<string, Sides>();
  for (const record of chosen) sidesOf.set(record.file, await loadSides(ctx, record));
  let changes: FileChange[] = [];
  const resolved: string[] = [];
  // The interactive walk asks once per conflicting hunk of a text file (once per other file): that is what 'Conflict i/N' counts.
  const total = options.mode.kind === 'interactive' ? chosen.reduce((n, r) => n + questionsIn(r, sidesOf.get(r.file)!), 0) : chosen.length;
  let index = 0;
  for (const record of chosen) {
    const outcome = await settle(ctx, dest, shape, record, sidesOf.get(record.file)!, options.mode, () => ++index, total, async (updated, file) => {
      partial.set(record.file, {
        ...record,
        base: await keepSide(ctx, updated.base),
        local: await keepSide(ctx, updated.local),
        upstream: await keepSide(ctx, updated.upstream),
      });
      changes.push({ action: 'write', path: record.file, mode: file.mode, content: file.content });
    });
    if (outcome === 'unresolved') continue;
    resolved.push(record.file);
    if (outcome === null) {
      // No file on the chosen side: remove the file there, never a folder (a type-change record keeps the local folder).
      if (before.files.some((f) => f.path === record.file)) changes.push({ action: 'delete', path: record.file });
    } else changes.push({ action: 'write', path: record.file, mode: outcome.mode, content: outcome.content });
  }

  const remaining = set.records.filter((r) => !resolved.includes(r.file)).map((r) => partial.get(r.file) ?? r);
  const at = ctx.clock.now().toISOString();
  let rebase: ResolveResult['rebase'] = null;
  let finalRemaining = remaining;
  let next: ConflictSet | null = remaining.length === 0 ? null : { ...set, records: remaining };

  if (remaining.length === 0 && set.rebase && set.rebase.remaining.length > 0) {
    // Continue the stopped rebase from the settled folder: every step reads the blob store.
    await backupFiles(ctx, dest, before.files, shape);
    for (const change of changes) if (change.action === 'write') await ctx.blobs.put(change.content);
    const settled = filesAfter(before.files, changes);
    const outcome = await replay(ctx, settled, set.rebase.remaining, before.files);
    changes = outcome.changes;
    await keepBlobs(ctx, outcome.blobs);
    rebase = { continued: true, stoppedAt: outcome.stoppedAt };
    finalRemaining = outcome.conflicts;
    next = outcome.stoppedAt
      ? { ...set, records: outcome.conflicts, at, rebase: { stoppedAt: outcome.stoppedAt, remaining: outcome.remaining, before: set.rebase.before } }
      : null;
  }
  if (resolved.length === 0 && !rebase && partial.size === 0) {
    return { component: set.component, resolved, remaining: finalRemaining, aborted: false, rebase, state: null };
  }
  const folder = await prepareFolder(ctx, { name: set.component, dest, current: before, shape, changes });
  const operation = newId(ctx, 'resolve');
  const state: StateChange[] = [
    { kind: 'conflicts', component: set.component, set: next },
    {
      kind: 'history',
      entry: {
        id: newId(ctx, set.component),
        component: set.component,
        op: 'resolve',
        at,
        summary: `resolved ${resolved.join(', ') || 'nothing'}${describeMode(options.mode)}${rebase ? (rebase.stoppedAt ? `; rebase stopped again at ${rebase.stoppedAt}` : '; rebase finished') : ''}`,
        before: { lock: entry, tree: folder.before },
        after: { lock: entry, tree: folder.after },
        conflictsBefore: set,
        operation,
      },
    },
  ];
  await commitTransaction(ctx, { id: operation, operation: 'resolve', folders: [folder], state });
  const settled = next === null ? (folder.after === entry.tree ? 'synced' : 'modified') : null;
  return { component: set.component, resolved, remaining: finalRemaining, aborted: false, rebase, state: settled };
}

async function keepSide(ctx: EngineContext, side: Side): Promise<string | null> {
  return side === null ? null : ctx.blobs.put(side.content);
}

function describeMode(mode: ResolveMode): string {
  switch (mode.kind) {
    case 'prefer':
      return ` (prefer ${mode.side})`;
    case 'strategy':
      return ` (strategy ${mode.strategy})`;
    case 'interactive':
      return ' (interactively)';
    case 'marked':
      return ' (edited by hand)';
  }
}

/** The three sides of a conflict record, from the blob store. */
async function loadSides(ctx: EngineContext, record: ConflictRecord): Promise<Sides> {
  const modes = record.modes ?? { base: '100644', local: '100644', upstream: '100644' };
  const side = async (oid: string | null, mode: FileMode | null): Promise<Side> => {
    if (oid === null) return null;
    try {
      return { mode: mode ?? '100644', content: await ctx.blobs.get(oid) };
    } catch (error) {
      throw new ForgeError('E_STATE_INVALID', `A side of the conflict in ${record.file} is missing from .forge/blobs.`, {
        hint: "Resolve it by editing the file and running 'forge sync resolve' without flags, or abort with --abort.",
        cause: error,
      });
    }
  };
  return { base: await side(record.base, modes.base), local: await side(record.local, modes.local), upstream: await side(record.upstream, modes.upstream) };
}

/** How many questions `--interactive` asks about a record: one per conflicting hunk of a text file, else one. */
function questionsIn(record: ConflictRecord, { base, local, upstream }: Sides): number {
  if (record.binary || base === null || local === null || upstream === null || record.type === 'version' || record.type === 'dependency') return 1;
  return mergeText(text(base.content), text(local.content), text(upstream.content)).regions.filter((r) => r.kind === 'conflict').length || 1;
}

/** Decides one conflicted file: its new content, null (deleted), or 'unresolved'. */
async function settle(
  ctx: EngineContext,
  dest: string,
  shape: ComponentShape,
  record: ConflictRecord,
  { base, local, upstream }: Sides,
  mode: ResolveMode,
  next: () => number,
  total: number,
  /** Interactive walk with skipped hunks: the sides as they now stand and the file to write. */
  partly: (updated: Sides, file: { mode: FileMode; content: Uint8Array }) => Promise<void>,
): Promise<Side | 'unresolved'> {
  const isText = !record.binary && base !== null && local !== null && upstream !== null && record.type !== 'version' && record.type !== 'dependency';
  const modeOf = (s: Side) => (local ?? upstream ?? s)!.mode;
  switch (mode.kind) {
    case 'marked': {
      const now = await ctx.worktree.readFile(dest, record.file, shape);
      if (now === null) return null;
      if (!record.binary && MARKER.test(text(now))) return 'unresolved';
      const validate = validatorFor(record.file);
      if (validate) {
        const problem = validate(record.file, text(now));
        if (problem) return 'unresolved';
      }
      return { mode: modeOf(local), content: now };
    }
    case 'prefer':
      if (isText) {
        const merged = mergeTextFavor(text(base!.content), text(local!.content), text(upstream!.content), mode.side);
        return { mode: mode.side === 'local' ? local!.mode : upstream!.mode, content: Buffer.from(merged) };
      }
      return mode.side === 'local' ? local : upstream;
    case 'strategy':
      switch (mode.strategy) {
        case 'ours':
          return local;
        case 'theirs':
          return upstream;
        case 'union':
          if (isText) return { mode: local!.mode, content: Buffer.from(mergeTextFavor(text(base!.content), text(local!.content), text(upstream!.content), 'union')) };
          if (local && upstream && !record.binary) {
            // add/add: both files whole, local first
            return { mode: local.mode, content: Buffer.concat([Buffer.from(local.content), Buffer.from(upstream.content)]) };
          }
          return 'unresolved';
        case 'merge': {
          const validate = validatorFor(record.file);
          const result = mergeFile(record.file, base, local, upstream, validate ? { validate } : {});
          return result.status === 'clean' ? result.result : 'unresolved';
        }
      }
      return 'unresolved';
    case 'interactive': {
      if (!isText) {
        const answer = await mode.chooser.choose({ file: record.file, index: next(), total, type: record.type, message: record.message, hunk: null });
        if (answer === 'skip' || answer === 'both') return 'unresolved';
        if (answer === 'local') return local;
        if (answer === 'upstream') return upstream;
        return { mode: modeOf(local), content: Buffer.from(answer.custom) };
      }
      const merged = mergeText(text(base!.content), text(local!.content), text(upstream!.content));
      const conflicts = merged.regions.filter((r): r is Extract<MergeRegion, { kind: 'conflict' }> => r.kind === 'conflict');
      const answers: ConflictChoice[] = [];
      let skipped = false;
      for (const region of conflicts) {
        const answer = await mode.chooser.choose({
          file: record.file,
          index: next(),
          total,
          type: record.type,
          message: record.message,
          hunk: { local: region.local, upstream: region.upstream, base: region.base },
        });
        if (answer === 'skip') {
          skipped = true;
          answers.push('markers');
        } else if (typeof answer === 'string') answers.push(answer);
        else answers.push({ custom: splitKeepingEnds(answer.custom) });
      }
      const content = renderRegions(merged.regions, (i) => answers[i] ?? 'markers');
      if (skipped) {
        // Keep what was decided, in the folder and in the record: all three sides take the decided
        // hunks, so the next pass (interactive or not) is asked only about the skipped ones.
        const side = (pick: (i: number) => ConflictChoice, mode: FileMode): Side => ({
          mode,
          content: Buffer.from(renderRegions(merged.regions, (i) => (answers[i] === 'markers' ? pick(i) : answers[i]!))),
        });
        await partly(
          { base: side((i) => ({ custom: conflicts[i]!.base }), base!.mode), local: side(() => 'local', local!.mode), upstream: side(() => 'upstream', upstream!.mode) },
          { mode: local!.mode, content: Buffer.from(content) },
        );
        return 'unresolved';
      }
      return { mode: local!.mode, content: Buffer.from(content) };
    }
  }
}

function splitKeepingEnds(textValue: string): string[] {
  const out = textValue.match(/[^\n]*\n|[^\n]+$/g);
  return out ?? [];
}

/** Puts the folder and lock entry back as they were before the pull that conflicted. */
async function abort(ctx: EngineContext, set: ConflictSet): Promise<ResolveResult> {
  const history = await ctx.state.history();
  const mine = history.filter((h) => h.component === set.component && !h.undone);
  const causes: HistoryEntry['op'][] = set.operation === 'stash-pop' ? ['stash-pop'] : ['merge', 'rebase', 'pull', 'overwrite', 'stash'];
  const at = mine.map((h) => causes.includes(h.op)).lastIndexOf(true);
  const op = mine[at];
  if (!op) throw new ForgeError('E_NOTHING_TO_UNDO', `Cannot find the operation that left conflicts in '${set.component}'.`, { hint: 'Resolve the conflicts instead.' });
  // The resolves after it (a partly settled file, a continued rebase) go too.
  const later = mine.slice(at + 1).filter((h) => h.op !== 'push' && h.op !== 'undo');
  await stepBack(ctx, history, op, {
    label: 'abort',
    summary: () => `aborted the ${set.operation}: files and lock entry put back`,
    ...(set.rebase ? { target: set.rebase.before } : {}),
    alsoUndone: later.map((h) => h.id),
  });
  return { component: set.component, resolved: [], remaining: [], aborted: true, rebase: null, state: null };
}

export type { FileEntry };
