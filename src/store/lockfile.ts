// forge.lock.yaml: what was resolved. Modelled on pnpm's lockfile: a version number with a clear
// refusal for a newer major, stepwise migrations keyed by version, a deterministic text (sorted
// components, fixed key order) and no write when nothing changed, so `git diff` stays quiet.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import semver from 'semver';
import { Document, isMap, isSeq, visit, type LineCounter, type YAMLMap } from 'yaml';
import { ForgeError } from '../errors.js';
import type { FileMode, LockEntry, Lockfile } from '../core/model.js';
import { fileNameOf, patternProblem } from '../core/file-filter.js';
import { unsafePathReason } from '../core/paths.js';
import { snapshotFromFiles } from '../git/tree-hash.js';
import type { LockStore } from '../core/ports.js';
import { writeFileAtomic } from './atomic.js';
import { asJson, createParsedCache, type ParsedCache } from './parsed-cache.js';
import { problemsError, type FileProblem } from './problems.js';
import { badNameReason, badOidReason, badRangeReason, badRepositoryReason } from './rules.js';
import { findPair, keyText, lineOf, pairLine, parseYaml, readScalar } from './yaml-nodes.js';

export const LOCKFILE_NAME = 'forge.lock.yaml';
/** Major version this forge writes. A minor bump (1.1) may add fields older readers ignore. */
export const LOCKFILE_VERSION = 1;

/** Key order inside an entry, as written. */
export const LOCK_ENTRY_KEYS = [
  'repository',
  'path',
  'dest',
  'include',
  'exclude',
  'constraint',
  'version',
  'ref',
  'commit',
  'tree',
  'blob',
  'mode',
  'resolvedAt',
  'dependencies',
  'requiredBy',
] as const;
const TOP_LEVEL_KEYS = ['lockfileVersion', 'components'];
const FIX_HINT = "Restore it from git ('git checkout -- forge.lock.yaml') or fix the entries named, then run the command again.";
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** A lockfile as read, before validation: every scalar is the text written in the file. */
type RawValue = string | null | RawValue[] | { [key: string]: RawValue };
interface RawLockfile {
  lockfileVersion: number;
  [key: string]: RawValue | number;
}

/**
 * Stepwise upgrades: migrations[N] turns a version-N lockfile into version N+1. Reading applies
 * them in turn, so a v3 forge reads v1 files through 1→2→3. Empty while only v1 exists.
 */
export const migrations: Record<number, (lock: RawLockfile) => RawLockfile> = {};

export function emptyLockfile(): Lockfile {
  return { lockfileVersion: 1, components: {} };
}

/** Parses and validates forge.lock.yaml text. Throws E_LOCKFILE_INVALID or E_LOCKFILE_TOO_NEW (exit 2). */
export function parseLockfile(text: string, file: string = LOCKFILE_NAME): Lockfile {
  const { parsed, syntax } = parseYaml(text, 'E_LOCKFILE_INVALID');
  if (syntax.length > 0) throw problemsError('E_LOCKFILE_INVALID', file, syntax, FIX_HINT);
  const { doc, lines } = parsed;
  const problems: FileProblem[] = [];
  const problem = (line: number, component: string | null, field: string | null, message: string) =>
    problems.push({ line, component, field, message, code: 'E_LOCKFILE_INVALID' });

  const root = doc.contents;
  if (!isMap(root)) {
    problem(lineOf(lines, root) || 1, null, 'lockfileVersion', `has no lockfileVersion; this is not a forge lockfile`);
    throw problemsError('E_LOCKFILE_INVALID', file, problems, FIX_HINT);
  }
  const versionPair = findPair(root, 'lockfileVersion');
  const versionText = versionPair ? readScalar(versionPair.value) : ({ kind: 'missing' } as const);
  const versionMatch = versionText.kind === 'text' ? /^(\d+)(?:\.(\d+))?$/.exec(versionText.text.trim()) : null;
  if (!versionMatch) {
    const line = versionPair ? pairLine(lines, versionPair) : 1;
    const got = versionText.kind === 'text' ? ` '${versionText.text}'` : '';
    problem(line, null, 'lockfileVersion', `${got ? `is${got}, ` : 'is missing; '}expected a number such as ${LOCKFILE_VERSION}`);
    throw problemsError('E_LOCKFILE_INVALID', file, problems, FIX_HINT);
  }
  const major = Number(versionMatch[1]);
  const minor = Number(versionMatch[2] ?? 0);
  if (major > LOCKFILE_VERSION) {
    throw new ForgeError(
      'E_LOCKFILE_TOO_NEW',
      `${file} has lockfileVersion ${versionMatch[0]}, newer than this forge understands (${LOCKFILE_VERSION}). Upgrade forge.`,
      { hint: 'Install the newest forge (npm install -g forge-components@latest).', data: { file, lockfileVersion: versionMatch[0], supported: LOCKFILE_VERSION } },
    );
  }
  // A newer minor only adds what older readers may ignore (pnpm's rule).
  const tolerateUnknown = major === LOCKFILE_VERSION && minor > 0;

  let raw: RawLockfile = { ...(toRaw(root) as Record<string, RawValue>), lockfileVersion: major };
  for (let version = major; version < LOCKFILE_VERSION; version++) {
    const step = migrations[version];
    if (!step) {
      problem(pairLine(lines, versionPair!), null, 'lockfileVersion', `is ${major}, which no forge release wrote; expected ${LOCKFILE_VERSION}`);
      throw problemsError('E_LOCKFILE_INVALID', file, problems, FIX_HINT);
    }
    raw = { ...step(raw), lockfileVersion: version + 1 };
  }

  // Lines come from the document as written; after a migration they point at the old layout.
  const lineAt = (...path: string[]): number => {
    let node: unknown = root;
    let line = 1;
    for (const key of path) {
      if (!isMap(node)) break;
      const pair = findPair(node as YAMLMap<unknown, unknown>, key);
      if (!pair) break;
      line = pairLine(lines, pair) || line;
      node = pair.value;
    }
    return line;
  };

  for (const pair of root.items) {
    const key = keyText(pair);
    if (key !== null && TOP_LEVEL_KEYS.includes(key)) continue;
    if (!tolerateUnknown) problem(pairLine(lines, pair), null, null, `unknown top-level key '${key ?? '?'}'`);
  }
  const duplicates = duplicateKeys(lines, root);
  for (const { line, path } of duplicates) problem(line, path[0] ?? null, path[1] ?? null, 'appears twice; keep one');

  const componentsRaw = raw['components'];
  const components: Record<string, LockEntry> = {};
  if (componentsRaw !== undefined && componentsRaw !== null && (typeof componentsRaw !== 'object' || Array.isArray(componentsRaw))) {
    problem(lineAt('components'), null, 'components', 'must be a map of component names to entries');
  } else if (componentsRaw && typeof componentsRaw === 'object') {
    const names = new Set(Object.keys(componentsRaw));
    for (const [name, value] of Object.entries(componentsRaw as Record<string, RawValue>)) {
      const entry = validateEntry(name, value, names, tolerateUnknown, (field, message) =>
        problem(field === null ? lineAt('components', name) : lineAt('components', name, field), name, field, message),
      );
      if (entry) components[name] = entry;
    }
  }
  if (problems.length > 0) throw problemsError('E_LOCKFILE_INVALID', file, problems, FIX_HINT);
  return { lockfileVersion: 1, components };
}

function validateEntry(
  name: string,
  value: RawValue,
  names: Set<string>,
  tolerateUnknown: boolean,
  problem: (field: string | null, message: string) => void,
): LockEntry | null {
  let ok = true;
  const fail = (field: string | null, message: string) => {
    ok = false;
    problem(field, message);
  };
  const nameReason = badNameReason(name);
  if (nameReason) fail(null, `the name ${nameReason}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(null, 'must be a map of fields');
    return null;
  }
  for (const key of Object.keys(value)) {
    if (!(LOCK_ENTRY_KEYS as readonly string[]).includes(key) && !tolerateUnknown) fail(key, 'is not a known field');
  }
  const text = (field: string, required: boolean): string | undefined => {
    const v = value[field];
    if (v === undefined || v === null) {
      if (required) fail(field, 'is missing');
      return undefined;
    }
    if (typeof v !== 'string') {
      fail(field, 'must be a single value');
      return undefined;
    }
    return v;
  };
  const list = (field: string, required: boolean): string[] | undefined => {
    const v = value[field];
    if (v === undefined || v === null) return required ? [] : undefined;
    if (!Array.isArray(v) || v.some((item) => typeof item !== 'string')) {
      fail(field, 'must be a list of component names, e.g. [a, b]');
      return undefined;
    }
    const items = v as string[];
    for (const item of items) if (!names.has(item)) fail(field, `names '${item}', which is not in the lockfile`);
    return [...new Set(items)].sort(byCodePoint);
  };

  const repository = text('repository', true);
  if (repository !== undefined) {
    const reason = badRepositoryReason(repository);
    if (reason) fail('repository', reason);
  }
  const path = text('path', true);
  const dest = text('dest', true);
  for (const [field, v] of [['path', path], ['dest', dest]] as const) {
    const reason = v === undefined ? null : unsafePathReason(v);
    if (reason) fail(field, `'${v}' ${reason}`);
  }
  const constraint = text('constraint', false);
  if (constraint !== undefined) {
    const reason = badRangeReason(constraint);
    if (reason) fail('constraint', reason);
  }
  const version = text('version', false);
  if (version !== undefined && semver.valid(version) === null) fail('version', `'${version}' is not a semver version`);
  const ref = text('ref', false);
  if (ref !== undefined && !/^refs\/\S+$/.test(ref)) fail('ref', `'${ref}' must be a full ref name starting with refs/`);
  const commit = text('commit', true);
  if (commit !== undefined) {
    const reason = badOidReason(commit, 'commit');
    if (reason) fail('commit', reason);
  }
  // A folder records its tree; a single file its blob and mode instead.
  const blob = text('blob', false);
  const tree = text('tree', blob === undefined);
  if (tree !== undefined) {
    const reason = badOidReason(tree, 'tree');
    if (reason) fail('tree', reason);
    if (blob !== undefined) fail('blob', "cannot be given with 'tree': a component is a folder (tree) or a single file (blob and mode)");
  }
  if (blob !== undefined) {
    const reason = badOidReason(blob, 'blob');
    if (reason) fail('blob', reason);
  }
  const mode = text('mode', blob !== undefined);
  if (mode !== undefined && blob === undefined) fail('mode', "belongs to a single-file component; it is only given with 'blob'");
  if (mode !== undefined && !FILE_MODES.includes(mode)) fail('mode', `'${mode}' is not a file mode git records (100644, 100755 or 120000)`);
  const patterns = (field: 'include' | 'exclude'): string[] | undefined => {
    const v = value[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length === 0 || v.some((item) => typeof item !== 'string')) {
      fail(field, 'must be a non-empty list of patterns, e.g. ["src/**"]');
      return undefined;
    }
    for (const item of v as string[]) {
      const reason = patternProblem(item);
      if (reason) fail(field, `has the pattern ${JSON.stringify(item)}, which ${reason}`);
    }
    if (blob !== undefined) fail(field, "cannot be given for a single-file component ('blob')");
    return [...(v as string[])];
  };
  const include = patterns('include');
  const exclude = patterns('exclude');
  const resolvedAt = text('resolvedAt', true);
  if (resolvedAt !== undefined && (!ISO_UTC.test(resolvedAt) || Number.isNaN(Date.parse(resolvedAt)))) {
    fail('resolvedAt', `'${resolvedAt}' must be an ISO-8601 UTC time such as 2024-01-15T10:30:00Z`);
  }
  const dependencies = list('dependencies', true);
  const requiredBy = list('requiredBy', false);
  if (!ok) return null;

  // Same key order as LockEntry (and the file), so entries compare and print predictably.
  const entry: LockEntry = {
    name,
    repository: repository!,
    path: path!,
    dest: dest!,
    ...(include === undefined ? {} : { include }),
    ...(exclude === undefined ? {} : { exclude }),
    ...(constraint === undefined ? {} : { constraint }),
    ...(version === undefined ? {} : { version }),
    ...(ref === undefined ? {} : { ref }),
    commit: commit!.toLowerCase(),
    tree: blob === undefined ? tree!.toLowerCase() : singleFileTree(dest!, mode as FileMode, blob.toLowerCase()),
    ...(blob === undefined ? {} : { blob: blob.toLowerCase(), mode: mode as FileMode }),
    resolvedAt: resolvedAt!,
    dependencies: dependencies ?? [],
    ...(requiredBy === undefined ? {} : { requiredBy }),
  };
  return entry;
}

const FILE_MODES: readonly string[] = ['100644', '100755', '120000'];

/**
 * The `tree` the engine compares for a single-file component: the id of a tree holding just that
 * file under the name it has here, which is what a scan of it hashes to.
 */
export function singleFileTree(dest: string, mode: FileMode, blob: string): string {
  return snapshotFromFiles([{ path: fileNameOf(dest), mode, oid: blob }]);
}

/** Plain data from the document, every scalar as the text written (no numbers, dates or booleans). */
function toRaw(node: unknown): RawValue {
  if (isMap(node)) {
    const out: Record<string, RawValue> = {};
    for (const pair of node.items) {
      const key = keyText(pair);
      if (key !== null && !(key in out)) out[key] = toRaw(pair.value);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map(toRaw);
  const read = readScalar(node);
  return read.kind === 'text' ? read.text : null;
}

/** Keys written twice in the components map or inside one entry (YAML would silently keep one). */
function duplicateKeys(lines: LineCounter, root: YAMLMap<unknown, unknown>): { line: number; path: string[] }[] {
  const found: { line: number; path: string[] }[] = [];
  const components = root.get('components', true);
  if (!isMap(components)) return found;
  const seen = new Set<string>();
  for (const pair of components.items) {
    const name = keyText(pair) ?? '';
    if (seen.has(name)) found.push({ line: pairLine(lines, pair), path: [name] });
    seen.add(name);
    if (!isMap(pair.value)) continue;
    const fields = new Set<string>();
    for (const field of pair.value.items) {
      const key = keyText(field) ?? '';
      if (fields.has(key)) found.push({ line: pairLine(lines, field), path: [name, key] });
      fields.add(key);
    }
  }
  return found;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The one text for a lockfile: components sorted by name (code points, not locale), keys in
 * LOCK_ENTRY_KEYS order, undefined fields left out, `dependencies: []` kept, lists in flow style,
 * strings quoted only where YAML needs it, a trailing newline. No header comment: the file is
 * data, and a header would be one more thing to keep byte-stable.
 */
export function serializeLockfile(lock: Lockfile): string {
  const components: Record<string, Record<string, unknown>> = {};
  for (const name of Object.keys(lock.components).sort(byCodePoint)) {
    const entry = lock.components[name]!;
    const out: Record<string, unknown> = {};
    for (const key of LOCK_ENTRY_KEYS) {
      const value = entry[key];
      if (value === undefined) continue;
      // A single file writes its blob and mode; its tree is computed back when read.
      if (key === 'tree' && entry.blob !== undefined) continue;
      // Patterns keep their order (a later '!pattern' overrides an earlier one); name lists are sets.
      if (key === 'include' || key === 'exclude') out[key] = [...(value as string[])];
      else out[key] = Array.isArray(value) ? [...new Set(value)].sort(byCodePoint) : value;
    }
    if (out.dependencies === undefined) out.dependencies = [];
    components[name] = out;
  }
  const doc = new Document({ lockfileVersion: LOCKFILE_VERSION, components }, { version: '1.2' });
  visit(doc, {
    Seq(_key, node) {
      node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false, indent: 2 });
}

/** `parsed` keeps each parse (see parsed-cache.ts), so an unchanged lockfile is parsed once. */
export function createLockStore(root: string, parsed: ParsedCache<Lockfile> = createParsedCache(null)): LockStore {
  const file = join(root, LOCKFILE_NAME);

  async function currentText(): Promise<string | null> {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  return {
    async read() {
      const text = await currentText();
      if (text === null) return emptyLockfile();
      const known = parsed.get(text);
      if (known) return known.value;
      const lock = parseLockfile(text, LOCKFILE_NAME);
      parsed.put(text, lock, false);
      return lock;
    },

    format: (lock) => serializeLockfile(lock),
    parse: (text) => parseLockfile(text, LOCKFILE_NAME),
    async write(lock) {
      const current = await currentText();
      // The file already says exactly this, as forge writes it: nothing to serialize.
      const known = current === null ? null : parsed.get(current);
      if (known?.canonical && isDeepStrictEqual(known.value, asJson(lock))) return false;
      const text = serializeLockfile(lock);
      // Never write what we would refuse to read back.
      let written: Lockfile;
      try {
        written = parseLockfile(text, LOCKFILE_NAME);
      } catch (error) {
        throw new ForgeError('E_INTERNAL', `forge was about to write an invalid ${LOCKFILE_NAME}: ${(error as Error).message}`, {
          hint: 'Nothing was written. Please report this with DEBUG=forge output.',
          cause: error,
        });
      }
      if (current === text) {
        parsed.put(text, written, true);
        return false;
      }
      await writeFileAtomic(file, text);
      parsed.put(text, written, true);
      return true;
    },
  };
}

