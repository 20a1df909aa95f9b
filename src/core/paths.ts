// Path rules shared by forge.yaml, forge.lock.yaml and upstream component.yaml:
// every folder forge reads or writes must stay inside its repository.

/**
 * Returns why `path` is not a safe relative folder, or null if it is.
 * Safe: relative, POSIX separators, no `..` or `.` segments, no empty segments,
 * not the repository root itself, no `.git` or `.forge` segment.
 */
export function unsafePathReason(path: string): string | null {
  if (typeof path !== 'string' || path.trim() === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.includes('\\')) return 'uses backslashes; write it with forward slashes';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'is absolute; give a path relative to the repository root';
  const segments = path.replace(/\/+$/, '').split('/');
  for (const segment of segments) {
    if (segment === '..') return "goes outside the repository ('..')";
    if (segment === '.' || segment === '') return "has an empty or '.' segment";
    if (segment === '.git' || segment === '.forge') return `points into '${segment}', which forge never writes`;
  }
  return null;
}

/** Normalizes a safe path: strips trailing slashes. Call only after unsafePathReason returned null. */
export function normalizePath(path: string): string {
  return path.replace(/\/+$/, '');
}

/** True if one folder contains the other (or they are equal): two components may not share files. */
export function foldersOverlap(a: string, b: string): boolean {
  const x = normalizePath(a) + '/';
  const y = normalizePath(b) + '/';
  return x.startsWith(y) || y.startsWith(x);
}

/**
 * The one order of paths (and names) forge lists things in: by UTF-16 code unit, as `<` compares
 * strings. Deterministic across platforms and locales (never `localeCompare`).
 */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `comparePaths` over the `path` of two entries (files of a snapshot, changes, conflicts). */
export function compareByPath(a: { path: string }, b: { path: string }): number {
  return comparePaths(a.path, b.path);
}
