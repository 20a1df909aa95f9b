// Field rules shared by forge.yaml and forge.lock.yaml. Each returns why a value is wrong (a
// sentence fragment that follows "field 'X' ...") or null when it is fine.

import semver from 'semver';

export const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const FULL_OID = /^[0-9a-fA-F]{40}$/;

export function badNameReason(name: string): string | null {
  if (name === '') return 'is empty';
  if (!COMPONENT_NAME.test(name)) {
    return 'may only use letters, digits, ".", "_" and "-", and must start with a letter or digit';
  }
  return null;
}

/**
 * Accepted: https://host/..., http://host/... (loopback test servers, plain mirrors), and the
 * shorthand host/org/repo (github.com/org/repo means https://github.com/org/repo).
 * Refused: other schemes (ssh, git, file), scp-like git@host:org/repo, credentials in the URL
 * (tokens belong in GH_TOKEN/FORGE_TOKEN, never in a committed file), whitespace.
 */
export function badRepositoryReason(repository: string): string | null {
  if (repository.trim() === '') return 'is empty; give github.com/ORG/REPO or an https:// URL';
  if (/\s/.test(repository)) return 'contains whitespace; give github.com/ORG/REPO or an https:// URL';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(repository);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'https' && name !== 'http') {
      return `uses the '${name}' scheme, which forge does not support; use https:// (or the github.com/ORG/REPO shorthand)`;
    }
    let url: URL;
    try {
      url = new URL(repository);
    } catch {
      return 'is not a valid URL; give github.com/ORG/REPO or an https:// URL';
    }
    if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/]*@/i.test(repository)) {
      return 'contains credentials; remove them and set GH_TOKEN (or FORGE_TOKEN) instead';
    }
    if (url.hostname === '') return 'has no host';
    if (url.pathname === '/' || url.pathname === '') return 'names a host but no repository';
    return null;
  }
  if (/^[^/]*@/.test(repository) || /^[^/]+@[^/]+:/.test(repository)) {
    return 'looks like an SSH address or contains credentials; use https:// (or github.com/ORG/REPO) and set GH_TOKEN for access';
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)/.test(repository)) {
    return 'uses a scheme forge does not support; use https:// (or the github.com/ORG/REPO shorthand)';
  }
  const segments = repository.replace(/\/+$/, '').split('/');
  const host = segments[0]!;
  if (segments.length < 3) return 'must be HOST/ORG/REPO (e.g. github.com/org/repo) or an https:// URL';
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d+)?$/.test(host) || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    return `starts with '${host}', which is not a host name; write HOST/ORG/REPO, e.g. github.com/org/repo`;
  }
  if (segments.slice(1).some((s) => s === '' || s === '.' || s === '..')) {
    return 'has an empty, "." or ".." segment';
  }
  return null;
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

export function badOidReason(oid: string, what: 'commit' | 'tree'): string | null {
  if (!FULL_OID.test(oid)) return `must be the full 40-hex ${what} id, got '${oid}'`;
  return null;
}
