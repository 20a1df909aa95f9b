// Unified diff with the hunks `git diff --no-index` prints: the same diff core as the merge, with
// the indent heuristic git diff turns on by default, and git's default hunk-header function names.

import { diffRecords, isGitSpace, splitRecords, type DiffChange } from './xdiff.js';

const FUNC_NAME_MAX_BYTES = 80;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** git's default function-name finder: a line starting with a letter, "_" or "$". */
function functionName(rec: string): string | null {
  const c = rec[0];
  if (c === undefined || !/[A-Za-z_$]/.test(c)) return null;
  let bytes = encoder.encode(rec);
  if (bytes.length > FUNC_NAME_MAX_BYTES) bytes = bytes.slice(0, FUNC_NAME_MAX_BYTES);
  let text = decoder.decode(bytes);
  let end = text.length;
  while (end > 0 && isGitSpace(text[end - 1]!)) end--;
  text = text.slice(0, end);
  return text;
}

function range(start: number, count: number): string {
  const first = count ? start : start - 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

function emit(prefix: string, rec: string): string {
  return rec.endsWith('\n') ? prefix + rec : `${prefix}${rec}\n\\ No newline at end of file\n`;
}

/** The last hunk-group index for the group starting at `from`: changes closer than 2×context join. */
function hunkEnd(script: DiffChange[], from: number, context: number): number {
  let last = from;
  for (let k = from + 1; k < script.length; k++) {
    const prev = script[k - 1]!;
    const distance = script[k]!.i1 - (prev.i1 + prev.chg1);
    if (distance > 2 * context) break;
    last = k;
  }
  return last;
}

/**
 * `git diff --no-index` style unified diff of two texts, from the `--- a/…` line on; empty when
 * the texts are equal. Paths are given bare (`dir/file.txt`); `/dev/null` is written as is.
 */
export function unifiedDiff(pathA: string, pathB: string, a: string, b: string, context = 3): string {
  const recs1 = splitRecords(a);
  const recs2 = splitRecords(b);
  const script = diffRecords(recs1, recs2, { indentHeuristic: true });
  if (script.length === 0) return '';
  const label = (prefix: string, path: string): string => (path === '/dev/null' ? path : `${prefix}${path}`);
  let out = `--- ${label('a/', pathA)}\n+++ ${label('b/', pathB)}\n`;
  for (let h = 0; h < script.length; ) {
    const last = hunkEnd(script, h, context);
    const first = script[h]!;
    const end = script[last]!;
    const s1 = Math.max(first.i1 - context, 0);
    let s2 = Math.max(first.i2 - context, 0);
    const lctx = Math.min(context, recs1.length - (end.i1 + end.chg1), recs2.length - (end.i2 + end.chg2));
    const e1 = end.i1 + end.chg1 + lctx;
    const e2 = end.i2 + end.chg2 + lctx;

    let func: string | null = null;
    for (let l = s1 - 1; l >= 0 && func === null; l--) func = functionName(recs1[l]!);
    out += `@@ -${range(s1 + 1, e1 - s1)} +${range(s2 + 1, e2 - s2)} @@${func ? ` ${func}` : ''}\n`;

    for (; s2 < first.i2; s2++) out += emit(' ', recs2[s2]!);
    for (let k = h; k <= last; k++) {
      const x = script[k]!;
      if (k > h) {
        const prev = script[k - 1]!;
        for (let i = prev.i2 + prev.chg2; i < x.i2; i++) out += emit(' ', recs2[i]!);
      }
      for (let i = x.i1; i < x.i1 + x.chg1; i++) out += emit('-', recs1[i]!);
      for (let i = x.i2; i < x.i2 + x.chg2; i++) out += emit('+', recs2[i]!);
    }
    for (let i = end.i2 + end.chg2; i < e2; i++) out += emit(' ', recs2[i]!);
    h = last + 1;
  }
  return out;
}
