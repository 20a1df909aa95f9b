// Turning what users write in `repository:` into a URL git can fetch, and a
// stable identity so that two spellings of one repository are fetched once.

import { ForgeError } from '../errors.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/** `github.com/org/repo` → `https://github.com/org/repo`; loopback hosts use http (test servers). */
export function repositoryUrl(repository: string): string {
  const trimmed = repository.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(trimmed)) {
    const url = parseUrl(trimmed, repository);
    if (url.username || url.password) {
      throw new ForgeError('E_BAD_REPOSITORY', `Repository '${repository}' has credentials in its URL.`, {
        hint: 'Remove them and set GH_TOKEN (or GITHUB_TOKEN, FORGE_TOKEN) instead.',
      });
    }
    return trimmed;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[^/]+:\d+\//.test(trimmed)) {
    throw new ForgeError('E_BAD_REPOSITORY', `Repository '${repository}' uses an unsupported scheme.`, {
      hint: 'Use an https:// URL or the host/org/repo shorthand.',
    });
  }
  const host = trimmed.split('/')[0] ?? '';
  const scheme = LOOPBACK.test(host) ? 'http' : 'https';
  const url = `${scheme}://${trimmed}`;
  parseUrl(url, repository);
  return url;
}

function parseUrl(text: string, original: string): URL {
  try {
    const url = new URL(text);
    if (url.pathname.replace(/\/+$/, '') === '') throw new Error('no path');
    return url;
  } catch {
    throw new ForgeError('E_BAD_REPOSITORY', `Repository '${original}' is not a valid repository address.`, {
      hint: 'Write it as host/org/repo (e.g. github.com/company/tools) or as an https:// URL.',
    });
  }
}

/** One identity per repository however it is spelled: lower-case host, no scheme, no `.git`, no trailing slash. */
export function repositoryId(repository: string): string {
  const url = new URL(repositoryUrl(repository));
  const path = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${url.host.toLowerCase()}${path}`;
}

/** The solver's key for a component: its repository and folder. */
export function componentKey(repository: string, path: string): string {
  return `${repositoryId(repository)}#${path}`;
}

/** The last segment of a folder path (a component's default upstream name). */
export function baseName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? path;
}
