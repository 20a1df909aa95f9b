// Line-based three-way merge that writes what `git merge-file -p` writes (default Myers diff,
// conflict style "merge", marker size 7, git's zealous refinement that also folds conflicts
// separated only by lines without letters or digits), with LOCAL / UPSTREAM as labels.

import { diffRecords, splitRecords, type DiffChange } from './xdiff.js';

export const MARKER_LOCAL = '<<<<<<< LOCAL';
export const MARKER_SEPARATOR = '=======';
export const MARKER_UPSTREAM = '>>>>>>> UPSTREAM';

/**
 * A piece of the merged file. Lines keep their own line ending ("a\n"); only the last line of a
 * file may lack one. Concatenating stable lines and rendered conflicts gives the merged text.
 */
export type MergeRegion =
  | { kind: 'stable'; lines: string[] }
  | {
      kind: 'conflict';
      base: string[];
      local: string[];
      upstream: string[];
      /** The line ending git uses for the markers here ("\r\n" when the files around use CRLF). */
      eol: '\n' | '\r\n';
    };

export interface TextMergeResult {
  text: string;
  conflicts: number;
  regions: MergeRegion[];
}

export type Favor = 'local' | 'upstream' | 'union';

export type ConflictChoice = 'local' | 'upstream' | 'both' | 'markers' | { custom: readonly string[] };

/** xdiff's merge hunk: mode 0 conflict, 1 take local, 2 take upstream, 4 identical on both sides. */
interface Hunk {
  mode: number;
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
}

function appendHunk(list: Hunk[], h: Hunk): void {
  const m = list[list.length - 1];
  if (m && (h.i1 <= m.i1 + m.chg1 || h.i2 <= m.i2 + m.chg2)) {
    if (h.mode !== m.mode) m.mode = 0;
    m.chg0 = h.i0 + h.chg0 - m.i0;
    m.chg1 = h.i1 + h.chg1 - m.i1;
    m.chg2 = h.i2 + h.chg2 - m.i2;
  } else {
    list.push({ ...h });
  }
}

function sameLines(a: string[], ai: number, b: string[], bi: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

function combine(base: string[], local: string[], upstream: string[], s1: DiffChange[], s2: DiffChange[]): Hunk[] {
  const out: Hunk[] = [];
  let a = 0;
  let b = 0;
  while (a < s1.length && b < s2.length) {
    const x1 = s1[a]!;
    const x2 = s2[b]!;
    if (x1.i1 + x1.chg1 < x2.i1) {
      appendHunk(out, { mode: 1, i0: x1.i1, chg0: x1.chg1, i1: x1.i2, chg1: x1.chg2, i2: x2.i2 - x2.i1 + x1.i1, chg2: x1.chg1 });
      a++;
      continue;
    }
    if (x2.i1 + x2.chg1 < x1.i1) {
      appendHunk(out, { mode: 2, i0: x2.i1, chg0: x2.chg1, i1: x1.i2 - x1.i1 + x2.i1, chg1: x2.chg1, i2: x2.i2, chg2: x2.chg2 });
      b++;
      continue;
    }
    if (
      x1.i1 !== x2.i1 ||
      x1.chg1 !== x2.chg1 ||
      x1.chg2 !== x2.chg2 ||
      !sameLines(local, x1.i2, upstream, x2.i2, x1.chg2)
    ) {
      const off = x1.i1 - x2.i1;
      const ffo = off + x1.chg1 - x2.chg1;
      let i0 = x1.i1;
      let i1 = x1.i2;
      let i2 = x2.i2;
      if (off > 0) {
        i0 -= off;
        i1 -= off;
      } else {
        i2 += off;
      }
      let chg0 = x1.i1 + x1.chg1 - i0;
      let chg1 = x1.i2 + x1.chg2 - i1;
      let chg2 = x2.i2 + x2.chg2 - i2;
      if (ffo < 0) {
        chg0 -= ffo;
        chg1 -= ffo;
      } else {
        chg2 += ffo;
      }
      appendHunk(out, { mode: 0, i0, chg0, i1, chg1, i2, chg2 });
    }
    const e1 = x1.i1 + x1.chg1;
    const e2 = x2.i1 + x2.chg1;
    if (e1 >= e2) b++;
    if (e2 >= e1) a++;
  }
  for (; a < s1.length; a++) {
    const x1 = s1[a]!;
    appendHunk(out, {
      mode: 1,
      i0: x1.i1,
      chg0: x1.chg1,
      i1: x1.i2,
      chg1: x1.chg2,
      i2: x1.i1 + upstream.length - base.length,
      chg2: x1.chg1,
    });
  }
  for (; b < s2.length; b++) {
    const x2 = s2[b]!;
    appendHunk(out, {
      mode: 2,
      i0: x2.i1,
      chg0: x2.chg1,
      i1: x2.i1 + local.length - base.length,
      chg1: x2.chg1,
      i2: x2.i2,
      chg2: x2.chg2,
    });
  }
  return out;
}

/** Narrows each conflict to the lines where the two sides really differ (may split it). */
function refineConflicts(hunks: Hunk[], local: string[], upstream: string[]): Hunk[] {
  const out: Hunk[] = [];
  for (const m of hunks) {
    if (m.mode !== 0 || m.chg1 === 0 || m.chg2 === 0) {
      out.push(m);
      continue;
    }
    const t1 = local.slice(m.i1, m.i1 + m.chg1);
    const t2 = upstream.slice(m.i2, m.i2 + m.chg2);
    const script = diffRecords(t1, t2);
    if (script.length === 0) {
      out.push({ ...m, mode: 4 });
      continue;
    }
    for (const x of script) {
      out.push({ mode: 0, i0: m.i0, chg0: m.chg0, i1: x.i1 + m.i1, chg1: x.chg1, i2: x.i2 + m.i2, chg2: x.chg2 });
    }
  }
  return out;
}

function containsAlnum(line: string): boolean {
  return /[A-Za-z0-9]/.test(line);
}

/** Folds conflicts separated by three lines or fewer, or only by lines without letters or digits. */
function simplifyNonConflicts(hunks: Hunk[], local: string[]): Hunk[] {
  const out: Hunk[] = [];
  for (const h of hunks) {
    const m = out[out.length - 1];
    if (m && m.mode === 0 && h.mode === 0) {
      const begin = m.i1 + m.chg1;
      const end = h.i1;
      const merge = end - begin <= 3 || !local.slice(begin, end).some(containsAlnum);
      if (merge) {
        m.chg1 = h.i1 + h.chg1 - m.i1;
        m.chg2 = h.i2 + h.chg2 - m.i2;
        continue;
      }
    }
    out.push({ ...h });
  }
  return out;
}

/** 1: CRLF, 0: LF, -1: cannot tell (git's is_eol_crlf). */
function isEolCrlf(recs: string[], i: number): number {
  const n = recs.length;
  if (i < n - 1) {
    const r = recs[i]!;
    return r.length > 1 && r[r.length - 2] === '\r' ? 1 : 0;
  }
  if (n === 0) return -1;
  const r = recs[i]!;
  if (r.length > 0 && r[r.length - 1] === '\n') return r.length > 1 && r[r.length - 2] === '\r' ? 1 : 0;
  if (i === 0) return -1;
  const p = recs[i - 1]!;
  return p.length > 1 && p[p.length - 2] === '\r' ? 1 : 0;
}

function markerEol(base: string[], local: string[], upstream: string[], m: Hunk): '\n' | '\r\n' {
  let crlf = isEolCrlf(local, m.i1 ? m.i1 - 1 : 0);
  if (crlf) crlf = isEolCrlf(upstream, m.i2 ? m.i2 - 1 : 0);
  if (crlf) crlf = isEolCrlf(base, 0);
  return crlf === 1 ? '\r\n' : '\n';
}

/** Maps a position in a side onto the base through that side's diff, widening into changed areas. */
function toBase(script: DiffChange[], pos: number, edge: 'start' | 'end'): number {
  let delta = 0;
  for (const x of script) {
    if (pos < x.i2) break;
    if (pos === x.i2 && (edge === 'start' || x.chg2 > 0)) return x.i1;
    if (pos <= x.i2 + x.chg2) return edge === 'start' ? x.i1 : x.i1 + x.chg1;
    delta = x.i1 + x.chg1 - (x.i2 + x.chg2);
  }
  return pos + delta;
}

function withEol(lines: string[], eol: string): string[] {
  if (lines.length === 0) return lines;
  const last = lines[lines.length - 1]!;
  if (last.endsWith('\n')) return lines;
  return [...lines.slice(0, -1), last + eol];
}

interface MergePlan {
  base: string[];
  local: string[];
  upstream: string[];
  regions: MergeRegion[];
  conflicts: number;
}

function plan(baseText: string, localText: string, upstreamText: string): MergePlan {
  const base = splitRecords(baseText);
  const local = splitRecords(localText);
  const upstream = splitRecords(upstreamText);
  const s1 = diffRecords(base, local);
  const s2 = diffRecords(base, upstream);
  if (s1.length === 0 || s2.length === 0) {
    const lines = s1.length === 0 ? upstream : local;
    return { base, local, upstream, regions: lines.length ? [{ kind: 'stable', lines }] : [], conflicts: 0 };
  }
  let hunks = combine(base, local, upstream, s1, s2);
  hunks = refineConflicts(hunks, local, upstream);
  hunks = simplifyNonConflicts(hunks, local);

  const regions: MergeRegion[] = [];
  let stable: string[] = [];
  const flush = (): void => {
    if (stable.length) regions.push({ kind: 'stable', lines: stable });
    stable = [];
  };
  let i = 0;
  let conflicts = 0;
  for (const m of hunks) {
    if (m.mode === 4) continue;
    stable.push(...local.slice(i, m.i1));
    if (m.mode === 0) {
      conflicts++;
      flush();
      const b0 = Math.min(toBase(s1, m.i1, 'start'), toBase(s2, m.i2, 'start'));
      const b1 = Math.max(toBase(s1, m.i1 + m.chg1, 'end'), toBase(s2, m.i2 + m.chg2, 'end'));
      regions.push({
        kind: 'conflict',
        base: base.slice(b0, Math.max(b0, b1)),
        local: local.slice(m.i1, m.i1 + m.chg1),
        upstream: upstream.slice(m.i2, m.i2 + m.chg2),
        eol: markerEol(base, local, upstream, m),
      });
    } else if (m.mode === 1) {
      stable.push(...local.slice(m.i1, m.i1 + m.chg1));
    } else {
      stable.push(...upstream.slice(m.i2, m.i2 + m.chg2));
    }
    i = m.i1 + m.chg1;
  }
  stable.push(...local.slice(i));
  flush();
  return { base, local, upstream, regions, conflicts };
}

/**
 * Writes regions out, deciding each conflict with `choose` (by its 0-based index among the
 * conflicts); without it every conflict gets markers, as git writes them.
 */
export function renderRegions(regions: readonly MergeRegion[], choose?: (conflictIndex: number) => ConflictChoice): string {
  let out = '';
  let index = 0;
  for (const r of regions) {
    if (r.kind === 'stable') {
      out += r.lines.join('');
      continue;
    }
    const choice = choose ? choose(index) : 'markers';
    index++;
    if (choice === 'local') out += r.local.join('');
    else if (choice === 'upstream') out += r.upstream.join('');
    else if (choice === 'both') out += withEol(r.local, r.eol).join('') + r.upstream.join('');
    else if (choice === 'markers') {
      out +=
        MARKER_LOCAL + r.eol +
        withEol(r.local, r.eol).join('') +
        MARKER_SEPARATOR + r.eol +
        withEol(r.upstream, r.eol).join('') +
        MARKER_UPSTREAM + r.eol;
    } else out += choice.custom.join('');
  }
  return out;
}

/** Three-way merge of text; conflicting hunks get `<<<<<<< LOCAL` / `=======` / `>>>>>>> UPSTREAM`. */
export function mergeText(base: string, local: string, upstream: string): TextMergeResult {
  const p = plan(base, local, upstream);
  return { text: renderRegions(p.regions), conflicts: p.conflicts, regions: p.regions };
}

/** `git merge-file --ours / --theirs / --union`: conflicting hunks are decided, clean ones kept. */
export function mergeTextFavor(base: string, local: string, upstream: string, favor: Favor): string {
  const p = plan(base, local, upstream);
  const choice: ConflictChoice = favor === 'union' ? 'both' : favor;
  return renderRegions(p.regions, () => choice);
}
