// forge sync resolve: settles recorded conflicts, continues a stopped
// --rebase, or (--abort) puts the folder and lock back as before the pull.
// The interactive walk is driven through a `Chooser` the command supplies,
// so the engine never touches a terminal.

import { ForgeError } from '../errors.js';
import { mergeFile, mergeText, mergeTextFavor, renderRegions, type ConflictChoice, type MergeRegion } from '../merge/index.js';
import { backupFiles, backupFolder, filesAfter, newId, restoreFolder, withEntry } from './apply.js';
import type { EngineContext } from './engine-context.js';
import type { ConflictRecord, FileEntry, FileMode } from '../core/model.js';
import type { ConflictSet, FileChange } from '../core/ports.js';
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
}

const decode = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64'));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const MARKER = /^(<{7} |={7}$|>{7} )/m;

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
  const before = await ctx.worktree.scan(dest);

  const partial = new Map<string, ConflictRecord>();
  const chosen = set.records.filter((r) => options.files.length === 0 || options.files.includes(r.file));
  const changes: FileChange[] = [];
  const resolved: string[] = [];
  // The interactive walk asks once per conflicting hunk of a text file (once per other file): that is what 'Conflict i/N' counts.
  const total = options.mode.kind === 'interactive' ? chosen.reduce((n, r) => n + questionsIn(r), 0) : chosen.length;
  let index = 0;
  for (const record of chosen) {
    const outcome = await settle(ctx, dest, record, options.mode, () => ++index, total, (updated, file) => {
      partial.set(record.file, updated);
      changes.push({ action: 'write', path: record.file, mode: file.mode, content: file.content });
    });
    if (outcome === 'unresolved') continue;
    resolved.push(record.file);
    if (outcome === null) {
      if (before.files.some((f) => f.path === record.file)) changes.push({ action: 'delete', path: record.file });
    } else changes.push({ action: 'write', path: record.file, mode: outcome.mode, content: outcome.content });
  }

  const remaining = set.records.filter((r) => !resolved.includes(r.file)).map((r) => partial.get(r.file) ?? r);
  await backupFiles(ctx, dest, before.files, changes);
  await ctx.worktree.apply(dest, changes);
  const at = ctx.clock.now().toISOString();
  let after = filesAfter(before.files, changes);
  let rebase: ResolveResult['rebase'] = null;
  let finalRemaining = remaining;

  if (remaining.length === 0 && set.rebase && set.rebase.remaining.length > 0) {
    // Continue the stopped rebase from the settled folder.
    await backupFolder(ctx, dest, after);
    const outcome = await replay(ctx, after, set.rebase.remaining, after);
    await ctx.worktree.apply(dest, outcome.changes);
    after = outcome.files;
    rebase = { continued: true, stoppedAt: outcome.stoppedAt };
    finalRemaining = outcome.conflicts;
    if (outcome.stoppedAt) {
      await ctx.state.setConflicts(set.component, {
        ...set,
        records: outcome.conflicts,
        at,
        rebase: { stoppedAt: outcome.stoppedAt, remaining: outcome.remaining, before: set.rebase.before },
      });
    }
  }
  if (finalRemaining.length === 0) await ctx.state.setConflicts(set.component, null);
  else if (!rebase?.stoppedAt) await ctx.state.setConflicts(set.component, { ...set, records: remaining });

  if (resolved.length > 0 || rebase || partial.size > 0) {
    await ctx.state.record({
      id: newId(ctx, set.component),
      component: set.component,
      op: 'resolve',
      at,
      summary: `resolved ${resolved.join(', ') || 'nothing'}${describeMode(options.mode)}${rebase ? (rebase.stoppedAt ? `; rebase stopped again at ${rebase.stoppedAt}` : '; rebase finished') : ''}`,
      before: { lock: entry, files: before.files },
      after: { lock: entry, files: after },
      conflictsBefore: set,
    });
  }
  return { component: set.component, resolved, remaining: finalRemaining, aborted: false, rebase };
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

type Side = { mode: FileMode; content: Uint8Array } | null;

function sides(record: ConflictRecord) {
  const modes = record.modes ?? { base: '100644', local: '100644', upstream: '100644' };
  const side = (b64: string | null, mode: FileMode | null): Side => (b64 === null ? null : { mode: mode ?? '100644', content: decode(b64)! });
  return { base: side(record.base, modes.base), local: side(record.local, modes.local), upstream: side(record.upstream, modes.upstream) };
}

/** How many questions `--interactive` asks about a record: one per conflicting hunk of a text file, else one. */
function questionsIn(record: ConflictRecord): number {
  const { base, local, upstream } = sides(record);
  if (record.binary || base === null || local === null || upstream === null || record.type === 'version' || record.type === 'dependency') return 1;
  return mergeText(text(base.content), text(local.content), text(upstream.content)).regions.filter((r) => r.kind === 'conflict').length || 1;
}

/** Decides one conflicted file: its new content, null (deleted), or 'unresolved'. */
async function settle(
  ctx: EngineContext,
  dest: string,
  record: ConflictRecord,
  mode: ResolveMode,
  next: () => number,
  total: number,
  /** Interactive walk with skipped hunks: the record as it now stands and the file to write. */
  partly: (updated: ConflictRecord, file: { mode: FileMode; content: Uint8Array }) => void,
): Promise<Side | 'unresolved'> {
  const { base, local, upstream } = sides(record);
  const isText = !record.binary && base !== null && local !== null && upstream !== null && record.type !== 'version' && record.type !== 'dependency';
  const modeOf = (s: Side) => (local ?? upstream ?? s)!.mode;
  switch (mode.kind) {
    case 'marked': {
      const now = await ctx.worktree.readFile(dest, record.file);
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
        const side = (pick: (i: number) => ConflictChoice) =>
          Buffer.from(renderRegions(merged.regions, (i) => (answers[i] === 'markers' ? pick(i) : answers[i]!))).toString('base64');
        partly(
          { ...record, base: side((i) => ({ custom: conflicts[i]!.base })), local: side(() => 'local'), upstream: side(() => 'upstream') },
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
  let before = set.rebase?.before;
  let historyId: string | undefined;
  if (!before) {
    const history = await ctx.state.history(set.component);
    const op = [...history].reverse().find((h) => !h.undone && (h.op === 'merge' || h.op === 'rebase' || h.op === 'stash-pop' || h.op === 'pull'));
    if (!op) throw new ForgeError('E_NOTHING_TO_UNDO', `Cannot find the operation that left conflicts in '${set.component}'.`, { hint: 'Resolve the conflicts instead.' });
    before = op.before;
    historyId = op.id;
  }
  const lock = await ctx.lock.read();
  const current = lock.components[set.component] ?? null;
  const dest = current?.dest ?? before.lock?.dest;
  if (!dest) throw new ForgeError('E_NOT_LOCKED', `'${set.component}' has no folder to restore.`);
  const now = await ctx.worktree.scan(dest);
  await backupFolder(ctx, dest, now.files);
  await restoreFolder(ctx, dest, before);
  await ctx.lock.write(withEntry(lock, set.component, before.lock));
  await ctx.state.setConflicts(set.component, null);
  if (historyId) await ctx.state.markUndone(historyId);
  await ctx.state.record({
    id: newId(ctx, set.component),
    component: set.component,
    op: 'undo',
    at: ctx.clock.now().toISOString(),
    summary: `aborted the ${set.operation}: files and lock entry put back`,
    before: { lock: current, files: now.files },
    after: before,
  });
  return { component: set.component, resolved: [], remaining: [], aborted: true, rebase: null };
}

export type { FileEntry };
