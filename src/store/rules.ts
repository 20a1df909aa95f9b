// Field rules shared by forge.yaml and forge.lock.yaml. Each returns why a value is wrong (a
// sentence fragment that follows "field 'X' ...") or null when it is fine.

import semver from 'semver';
import { repositoryAddressProblem } from '../core/repository.js';

export const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const FULL_OID = /^[0-9a-fA-F]{40}$/;

export function badNameReason(name: string): string | null {
  if (name === '') return 'is empty';
  if (!COMPONENT_NAME.test(name)) {
    return 'may only use letters, digits, ".", "_" and "-", and must start with a letter or digit';
  }
  return null;
}

/** The address grammar is core's (src/core/repository.ts); credentials and unknown schemes are refused there. */
export function badRepositoryReason(repository: string): string | null {
  return repositoryAddressProblem(repository);
}

export function badRangeReason(range: string): string | null {
  if (range.trim() === '') return "is empty; give a semver range such as ^1.2.0, ~1.2 or '*'";
  if (semver.validRange(range) === null) {
    return `'${range}' is not a valid semver range; use e.g. ^1.2.0, ~1.2.3, >=1.0.0 <2.0.0 or '*'`;
  }
  return null;
}

/** Roughly `git check-ref-format --branch`: what a branch (or full ref) name may look like. */
export function badRefReason(ref: string): string | null {
  if (ref.trim() === '') return 'is empty; give a branch name such as main';
  const why = (detail: string) => `'${ref}' is not a valid git ref name (${detail}); give a branch name such as main`;
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(ref)) return why('no spaces or any of ~ ^ : ? * [ \\');
  if (ref.includes('..')) return why("no '..'");
  if (ref.includes('@{') || ref === '@') return why("no '@{'");
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return why('no leading, trailing or double slashes');
  if (ref.endsWith('.') || ref.endsWith('.lock')) return why("may not end with '.' or '.lock'");
  if (ref.split('/').some((part) => part.startsWith('.'))) return why("no part may start with '.'");
  if (ref.startsWith('-')) return why("may not start with '-'");
  return null;
}

export function badOidReason(oid: string, what: 'commit' | 'tree' | 'blob'): string | null {
  if (!FULL_OID.test(oid)) return `must be the full 40-hex ${what} id, got '${oid}'`;
  return null;
}
