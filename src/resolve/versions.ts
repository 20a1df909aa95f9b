// Versions come from upstream tags. A component may be tagged on its own
// (`NAME@1.2.3`, `NAME/v1.2.3`) in a repository that holds several; those tags
// win over repository-wide ones (`v1.2.3`) because the latter then describe
// some other release of the repository, not necessarily this component's.

import semver from 'semver';
import { ForgeError } from '../errors.js';

export interface TagRef {
  /** Full ref name: refs/tags/v1.2.3 (a bare tag name is accepted too). */
  name: string;
  /** The commit the tag points to (annotated tags already peeled). */
  commit: string;
}

export interface TagVersion {
  /** Normalized semver version, without build metadata: 1.2.3, 2.0.0-beta.1. */
  version: string;
  /** Full ref name of the tag chosen for this version: refs/tags/v1.2.3. */
  tag: string;
  commit: string;
  /** True when the tag is component-scoped (NAME@1.2.3, NAME/v1.2.3, NAME/1.2.3). */
  scoped: boolean;
}

const TAG_PREFIX = 'refs/tags/';

/** Shapes ordered by preference when several tags carry the same version. */
type Shape = 'scoped-v' | 'scoped-at' | 'scoped-plain' | 'plain-v' | 'plain';
const SHAPE_RANK: Record<Shape, number> = { 'scoped-v': 0, 'scoped-at': 1, 'scoped-plain': 2, 'plain-v': 0, plain: 1 };

interface Parsed {
  version: string;
  build: boolean;
  shape: Shape;
}

/** `1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`: strict semver, optional leading `v`. */
function parseVersionText(text: string): { version: string; build: boolean; v: boolean } | null {
  const v = text.startsWith('v');
  const body = v ? text.slice(1) : text;
  if (!/^\d/.test(body)) return null;
  const parsed = semver.parse(body, { loose: false });
  if (!parsed) return null;
  return { version: parsed.version, build: parsed.build.length > 0, v };
}

function parseTag(shortName: string, component: string | undefined): Parsed | null {
  if (component !== undefined && component !== '') {
    if (shortName.startsWith(`${component}@`)) {
      const p = parseVersionText(shortName.slice(component.length + 1));
      return p ? { version: p.version, build: p.build, shape: p.v ? 'scoped-v' : 'scoped-at' } : null;
    }
    if (shortName.startsWith(`${component}/`)) {
      const p = parseVersionText(shortName.slice(component.length + 1));
      return p ? { version: p.version, build: p.build, shape: p.v ? 'scoped-v' : 'scoped-plain' } : null;
    }
  }
  const p = parseVersionText(shortName);
  return p ? { version: p.version, build: p.build, shape: p.v ? 'plain-v' : 'plain' } : null;
}

function isScoped(shape: Shape): boolean {
  return shape.startsWith('scoped');
}

/**
 * The versions a component has upstream, newest first (semver order, build
 * metadata ignored). Component-scoped tags for `component` are used when any
 * exists; otherwise repository-wide tags. When several tags carry the same
 * version, one is chosen deterministically: `v`-prefixed, then `NAME@`, then
 * without build metadata, then by tag name.
 */
export function versionsFromTags(tags: readonly TagRef[], component?: string): TagVersion[] {
  const scoped: { parsed: Parsed; tag: string; commit: string }[] = [];
  const plain: { parsed: Parsed; tag: string; commit: string }[] = [];
  for (const ref of tags) {
    if (ref.name.endsWith('^{}')) continue;
    const full = ref.name.startsWith(TAG_PREFIX) ? ref.name : `${TAG_PREFIX}${ref.name}`;
    const parsed = parseTag(full.slice(TAG_PREFIX.length), component);
    if (!parsed) continue;
    (isScoped(parsed.shape) ? scoped : plain).push({ parsed, tag: full, commit: ref.commit });
  }
  const pool = scoped.length > 0 ? scoped : plain;
  pool.sort(
    (a, b) =>
      semver.rcompare(a.parsed.version, b.parsed.version) ||
      SHAPE_RANK[a.parsed.shape] - SHAPE_RANK[b.parsed.shape] ||
      Number(a.parsed.build) - Number(b.parsed.build) ||
      (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0),
  );
  const out: TagVersion[] = [];
  for (const entry of pool) {
    if (out.length > 0 && out[out.length - 1]!.version === entry.parsed.version) continue;
    out.push({ version: entry.parsed.version, tag: entry.tag, commit: entry.commit, scoped: isScoped(entry.parsed.shape) });
  }
  return out;
}

/** Null when `range` is a usable semver range, else why not (one phrase). */
export function validateRange(range: unknown): string | null {
  if (typeof range !== 'string') return 'must be a string (quote it in YAML)';
  if (range.trim() === '') return 'is empty';
  if (semver.validRange(range) === null) return `'${range}' is not a valid semver range`;
  return null;
}

/** True if `version` is in `range`, pre-releases only when the range names one (npm rules). */
export function satisfiesRange(version: string, range: string): boolean {
  return semver.satisfies(version, range);
}

/**
 * The newest version satisfying `range`, or null. Pre-releases match only when
 * the range asks for them, exactly as npm's semver. Throws E_BAD_RANGE for an
 * invalid range, so a typo never reads as "no matching version".
 */
export function selectVersion<T extends { version: string }>(versions: readonly T[], range: string): T | null {
  const problem = validateRange(range);
  if (problem) throw new ForgeError('E_BAD_RANGE', `Version range ${problem}.`, { data: { range } });
  let best: T | null = null;
  for (const candidate of versions) {
    if (!semver.satisfies(candidate.version, range)) continue;
    if (best === null || semver.gt(candidate.version, best.version)) best = candidate;
  }
  return best;
}

/** `2.1.4, 2.1.3, 2.0.0` newest first, at most `max`, then `and N more`. */
export function formatAvailable(versions: readonly string[], max = 15): string {
  if (versions.length === 0) return 'no version tags found';
  const sorted = [...new Set(versions)].sort((a, b) => semver.rcompare(a, b));
  const shown = sorted.slice(0, max).join(', ');
  return sorted.length > max ? `${shown} and ${sorted.length - max} more` : shown;
}

/**
 * The error for "no tag matches", naming the range and listing what exists:
 * `No version of x in github.com/o/r matches ^3.0.0 (available: 2.1.4, 2.0.0).`
 */
export function noMatchingVersionError(options: {
  component: string;
  repository: string;
  range: string;
  available: readonly string[];
  /** Who asked: a component label and version, or undefined for forge.yaml. */
  requiredBy?: string;
}): ForgeError {
  const available = options.available.length === 0 ? 'no version tags found' : `available: ${formatAvailable(options.available)}`;
  const asker = options.requiredBy ? ` (required by ${options.requiredBy})` : '';
  return new ForgeError(
    'E_NO_MATCHING_VERSION',
    `No version of ${options.component} in ${options.repository} matches ${options.range}${asker} (${available}).`,
    {
      hint:
        options.available.length === 0
          ? 'Tag a release upstream (v1.0.0 or NAME@1.0.0), or follow a branch with `ref:`.'
          : 'Change the range to one of the available versions.',
      data: { component: options.component, repository: options.repository, range: options.range },
    },
  );
}
