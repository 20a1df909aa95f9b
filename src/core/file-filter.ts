// include/exclude: which files of a folder are a component's, and what shape a component has at
// its dest. Patterns are gitignore's (matched by the `ignore` package, which follows git's rules:
// `*.yaml` at any depth, `/x` anchored at the component's folder, `dir/` for a folder and all in
// it, `**`, `!` to take a file back, and no file taken back once a folder above it is out).
// A file is selected when an include pattern selects it (every file when there are none) and no
// exclude pattern does: the same answer `git ls-files --ignored` gives for each list.

import ignore, { type Ignore } from 'ignore';
import type { ComponentShape, FileFilter } from './model.js';
import type { SnapshotOptions } from './ports.js';

/** Why a pattern cannot be used, or null when it is fine (a sentence fragment after "pattern 'P' "). */
export function patternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return 'must be text';
  if (pattern.trim() === '') return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL character';
  if (/[\r\n]/.test(pattern)) return 'spans more than one line';
  if (pattern.startsWith('#')) return "starts with '#', which makes it a comment that matches nothing (write \\# for a file name starting with #)";
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (body.replace(/^\/+|\/+$/g, '') === '') return 'names no file (only "/" or "!")';
  if (/(^|[^\\])(\\\\)*\\$/.test(pattern)) return 'ends with a single backslash, which escapes nothing (backslash escapes; paths use /)';
  const segments = body.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return "has a '.' or '..' segment; patterns are relative to the component's path and cannot leave it";
  if (unclosedBracket(body)) return "has a '[' without its ']' (write \\[ for a literal bracket)";
  return null;
}

function unclosedBracket(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c !== '[') continue;
    let j = i + 1;
    if (pattern[j] === '!' || pattern[j] === '^') j++;
    if (pattern[j] === ']') j++;
    while (j < pattern.length && pattern[j] !== ']') j++;
    if (j >= pattern.length) return true;
    i = j;
  }
  return false;
}

/** The filter of a forge.yaml or lock entry; undefined when it has neither list (every file). */
export function filterOf(c: { include?: readonly string[] | undefined; exclude?: readonly string[] | undefined }): FileFilter | undefined {
  if (c.include === undefined && c.exclude === undefined) return undefined;
  return { ...(c.include !== undefined ? { include: [...c.include] } : {}), ...(c.exclude !== undefined ? { exclude: [...c.exclude] } : {}) };
}

/** Same patterns in the same order (order matters to gitignore rules). */
export function sameFilter(a: FileFilter | undefined, b: FileFilter | undefined): boolean {
  const same = (x: readonly string[] | undefined, y: readonly string[] | undefined) => (x === undefined ? y === undefined : y !== undefined && x.length === y.length && x.every((p, i) => p === y[i]));
  return same(a?.include, b?.include) && same(a?.exclude, b?.exclude);
}

/** The shape a lock entry gives its dest: one file (it has a blob), a filtered folder, or a whole folder. */
export function shapeOf(c: { blob?: string | undefined; include?: readonly string[] | undefined; exclude?: readonly string[] | undefined }): ComponentShape {
  if (c.blob !== undefined) return { kind: 'file' };
  const filter = filterOf(c);
  return filter ? { kind: 'folder', filters: [filter] } : { kind: 'folder' };
}

export const WHOLE_FOLDER: ComponentShape = { kind: 'folder' };
export const SINGLE_FILE: ComponentShape = { kind: 'file' };

/** How to read a component upstream so that its snapshot compares with its dest here: its filter, and its file name here. */
export function snapshotOptionsOf(c: { dest: string; include?: readonly string[] | undefined; exclude?: readonly string[] | undefined }): SnapshotOptions {
  const filter = filterOf(c);
  return { fileName: fileNameOf(c.dest), ...(filter ? { filters: [filter] } : {}) };
}

/** Whether two shapes are the same (a pending record may leave out the whole-folder one). */
export function sameShape(a: ComponentShape | undefined, b: ComponentShape | undefined): boolean {
  const x = a ?? WHOLE_FOLDER;
  const y = b ?? WHOLE_FOLDER;
  if (x.kind !== y.kind) return false;
  if (x.kind === 'file' || y.kind === 'file') return true;
  const fx = x.filters ?? [];
  const fy = y.filters ?? [];
  return fx.length === fy.length && fx.every((f, i) => sameFilter(f, fy[i]));
}

/** A shape that covers the files of both (a pull from one set of patterns to another scans both sets). */
export function unionShapes(a: ComponentShape, b: ComponentShape): ComponentShape {
  if (a.kind === 'file' || b.kind === 'file') return a.kind === 'file' && b.kind === 'file' ? a : a.kind === 'file' ? b : a;
  if (!a.filters || !b.filters) return WHOLE_FOLDER;
  const filters = [...a.filters];
  for (const f of b.filters) if (!filters.some((g) => sameFilter(f, g))) filters.push(f);
  return { kind: 'folder', filters };
}

/** The file name a single-file component has in snapshots: the last segment of its dest here. */
export function fileNameOf(dest: string): string {
  const parts = dest.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? dest;
}

export interface FileSelector {
  /** Whether the file at `path` (relative to the folder, POSIX separators) is selected. */
  selects(path: string): boolean;
  /** Whether nothing under the folder `path` can be selected (an excluded folder), so a walk may skip it. */
  skipsFolder(path: string): boolean;
}

const EVERYTHING: FileSelector = { selects: () => true, skipsFolder: () => false };

/** The selector of a list of filters (a file selected by any of them); every file for none. */
export function fileSelector(filters: readonly FileFilter[] | undefined): FileSelector {
  if (!filters || filters.length === 0) return EVERYTHING;
  const compiled = filters.map((f) => ({
    include: f.include !== undefined ? ignore().add(f.include) : null,
    exclude: f.exclude !== undefined && f.exclude.length > 0 ? ignore().add(f.exclude) : null,
  }));
  const matches = (matcher: Ignore, path: string) => matcher.ignores(path);
  return {
    selects: (path) => compiled.some((f) => (f.include === null || matches(f.include, path)) && !(f.exclude !== null && matches(f.exclude, path))),
    // gitignore never takes a file back from inside an excluded folder, so none of it can be selected.
    skipsFolder: (path) => compiled.every((f) => f.exclude !== null && matches(f.exclude, `${path}/`)),
  };
}

/** The one-line description of a filter, for messages: `include *.ts, exclude *.test.ts`. */
export function describeFilter(filter: FileFilter | undefined): string {
  if (!filter) return 'every file';
  const parts: string[] = [];
  if (filter.include !== undefined) parts.push(`include ${filter.include.join(', ') || '(nothing)'}`);
  if (filter.exclude !== undefined) parts.push(`exclude ${filter.exclude.join(', ') || '(nothing)'}`);
  return parts.join('; ');
}
