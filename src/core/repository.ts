// What users write in `repository:` (and `forge add REPOSITORY`), turned into the address git is
// given and one stable identity, so that two spellings of one repository are fetched once.
//
//   org/repo                           GitHub shorthand: https://github.com/org/repo (GH_HOST when set)
//   github.com/org/repo                https://github.com/org/repo (loopback hosts: http://)
//   https://host/org/repo(.git)        as written (http:// too)
//   file:///abs/path/repo(.git)        a repository on this machine
//   /abs/path, ./rel, ../rel, ~/path   the same, relative paths from the folder of forge.yaml
//   ssh://[user@]host[:port]/path      over ssh (native git only)
//   [user@]host:path                   scp-like ssh, as git writes it
//
// The identity is host/path for http(s) and ssh alike (github.com/org/repo, lower-case host, no
// `.git`, no trailing slash) and file:/abs/path for a local repository.

import { ForgeError } from '../errors.js';

export type RepositoryKind = 'http' | 'file' | 'ssh';

export interface RepositoryAddress {
  kind: RepositoryKind;
  /** What git is given: an http(s) URL, a file:// URL, an ssh:// URL or the scp-like form as written. */
  url: string;
  /** One identity per repository however it is spelled. */
  id: string;
  /** Host (with port) for http(s) and ssh; '' for a local repository. */
  host: string;
  /** Path without leading slash, trailing slash or `.git`; for a local repository the absolute path. */
  path: string;
  /** The folder of a local repository (absolute), as given (with any `.git`). */
  localPath?: string;
  /** The ssh user, port and path as git sends them to the remote side. */
  ssh?: { user: string | null; host: string; port: string | null; remotePath: string };
}

export interface AddressSettings {
  /** GH_HOST: the host of `org/repo` (`host`, `host:port`, or with an http(s):// scheme). Default github.com. */
  defaultHost?: string;
  /** Where relative local paths start: the folder of forge.yaml. */
  baseDir?: string;
  /** Where `~/` points. */
  homeDir?: string;
}

let settings: AddressSettings = {};

/** Sets GH_HOST, the workspace folder and the home folder for every address read afterwards (src/context.ts). */
export function configureAddresses(next: AddressSettings): void {
  settings = { ...next };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;
const HOST = /^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(:\d+)?$/;
const HINT = 'Write it as ORG/REPO, HOST/ORG/REPO (e.g. github.com/company/tools), an https:// or file:// URL, a path to a local repository, or an ssh address.';

function bad(address: string, why: string, hint = HINT): ForgeError {
  // A password written into the address is never repeated back.
  const shown = address.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*:[^/@\s]*@/i, '$1***@');
  return new ForgeError('E_BAD_REPOSITORY', `Repository '${shown}' ${why}.`, { hint, data: { repository: shown } });
}

const stripGit = (path: string) => path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');

function checkSegments(address: string, path: string): void {
  const segments = path.split('/');
  if (segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) throw bad(address, 'has an empty, "." or ".." segment in its path');
}

/** POSIX path normalization of an absolute path: no `.`, `..` or empty segments. */
function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

function fileUrl(absolute: string): string {
  return `file://${absolute.split('/').map((s) => encodeURIComponent(s)).join('/')}`;
}

function local(address: string, absolute: string): RepositoryAddress {
  const path = normalizeAbsolute(absolute);
  if (path === '/') throw bad(address, 'is the root folder, not a repository');
  return { kind: 'file', url: fileUrl(path), id: `file:${stripGit(path)}`, host: '', path: stripGit(path), localPath: path };
}

function http(address: string, url: URL): RepositoryAddress {
  if (url.username || url.password) {
    throw bad(address, 'has credentials in its URL; remove them and set GH_TOKEN (or GITHUB_TOKEN, FORGE_TOKEN) instead', 'Tokens belong in the environment, never in a committed file.');
  }
  if (!HOST.test(url.host)) throw bad(address, 'has no valid host');
  const path = stripGit(decodeURIComponent(url.pathname).replace(/^\/+/, ''));
  if (path === '') throw bad(address, 'names a host but no repository');
  checkSegments(address, path);
  const clean = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { kind: 'http', url: clean, id: `${url.host.toLowerCase()}/${path}`, host: url.host.toLowerCase(), path };
}

function ssh(address: string, url: string, user: string | null, host: string, port: string | null, remotePath: string): RepositoryAddress {
  if (!/^[A-Za-z0-9._-]+$|^[0-9a-fA-F:]+$/.test(host) || (port !== null && !/^\d+$/.test(port))) throw bad(address, 'has no valid host');
  const path = stripGit(remotePath).replace(/^\/+/, '');
  if (path === '') throw bad(address, 'names a host but no repository');
  checkSegments(address, path);
  const hostId = (port ? `${host}:${port}` : host).toLowerCase();
  return { kind: 'ssh', url, id: `${hostId}/${path}`, host: hostId, path, ssh: { user, host, port, remotePath } };
}

/** Reads an address as users write it; throws E_BAD_REPOSITORY (exit 2) saying what is wrong. */
export function parseRepository(repository: string): RepositoryAddress {
  const address = repository.trim();
  if (address === '') throw bad(repository, 'is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(address)?.[1]?.toLowerCase();

  const dotSegment = (text: string) => text.split(/[/?#]/).some((segment) => segment === '.' || segment === '..');
  if (scheme === 'http' || scheme === 'https') {
    if (dotSegment(address.slice(scheme.length + 3))) throw bad(repository, 'has an empty, "." or ".." segment in its path');
    if (/\s/.test(address)) throw bad(repository, 'contains whitespace');
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw bad(repository, 'is not a valid URL');
    }
    return http(repository, url);
  }
  if (scheme === 'file') {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw bad(repository, 'is not a valid URL');
    }
    if (url.host !== '' && url.host !== 'localhost') throw bad(repository, `names the host '${url.host}'; a file:// URL can only point to this machine`);
    return local(repository, decodeURIComponent(url.pathname));
  }
  if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') {
    if (dotSegment(address.slice(address.indexOf('://') + 3))) throw bad(repository, 'has an empty, "." or ".." segment in its path');
    let url: URL;
    try {
      url = new URL(address.replace(/^[^:]+:/, 'ssh:'));
    } catch {
      throw bad(repository, 'is not a valid URL');
    }
    if (url.password) throw bad(repository, 'has a password in its URL', 'Use an ssh key (ssh-agent) instead.');
    // git sends `/~user/path` as `~user/path`.
    const remotePath = decodeURIComponent(url.pathname).replace(/^\/~/, '~');
    return ssh(repository, address, url.username ? decodeURIComponent(url.username) : null, url.hostname.replace(/^\[|\]$/g, ''), url.port || null, remotePath);
  }
  if (scheme !== undefined) throw bad(repository, `uses the '${scheme}' scheme, which forge does not support`);

  // Local paths: absolute, ./ ../ or ~/ (a bare `org/repo` is the GitHub shorthand, as in gh).
  if (address.startsWith('/')) return local(repository, address);
  if (address === '.' || address === '..' || address.startsWith('./') || address.startsWith('../')) {
    if (!settings.baseDir) throw bad(repository, 'is a relative path, and there is no workspace folder to start from');
    return local(repository, `${settings.baseDir}/${address}`);
  }
  if (address === '~' || address.startsWith('~/')) {
    if (!settings.homeDir) throw bad(repository, 'starts with ~, and the home folder is not known');
    return local(repository, `${settings.homeDir}/${address.slice(1)}`);
  }
  if (/^[a-zA-Z]:[\\/]/.test(address)) throw bad(repository, 'is a Windows path; give it as a file:// URL');

  if (/^[^/@]*:[^/@]*@/.test(address)) throw bad(repository, 'contains credentials', 'Remove them and set GH_TOKEN (or GITHUB_TOKEN, FORGE_TOKEN) instead.');
  if (dotSegment(address)) throw bad(repository, 'has an empty, "." or ".." segment in its path');
  // scp-like ssh: [user@]host:path, with no slash before the colon.
  const scp = /^(?:([^@/:\s]+)@)?([^@/:\s]+|\[[0-9a-fA-F:]+\]):(?!\/\/)(.+)$/.exec(address);
  if (scp && !/^\d+(\/|$)/.test(scp[3]!)) {
    return ssh(repository, address, scp[1] ?? null, scp[2]!.replace(/^\[|\]$/g, ''), null, scp[3]!);
  }
  if (/\s/.test(address)) throw bad(repository, 'contains whitespace');
  if (address.includes('@')) throw bad(repository, 'contains credentials or is not a repository address', 'Remove them and set GH_TOKEN (or GITHUB_TOKEN, FORGE_TOKEN) instead.');

  const segments = address.replace(/\/+$/, '').split('/');
  const first = segments[0]!;
  const looksLikeHost = first.includes('.') || first.includes(':') || first.toLowerCase() === 'localhost';
  if (segments.length === 2 && !looksLikeHost) {
    const { scheme: hostScheme, host } = defaultHost();
    checkSegments(repository, address);
    return http(repository, new URL(`${hostScheme}://${host}/${address.replace(/\/+$/, '')}`));
  }
  if (!looksLikeHost || !HOST.test(first)) {
    throw bad(repository, segments.length < 2 ? 'is not ORG/REPO, HOST/ORG/REPO, a URL or a path' : `starts with '${first}', which is not a host name`);
  }
  if (segments.length < 2) throw bad(repository, 'names a host but no repository');
  const url = `${LOOPBACK.test(first) ? 'http' : 'https'}://${address.replace(/\/+$/, '')}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(repository, 'is not a valid repository address');
  }
  return http(repository, parsed);
}

function defaultHost(): { scheme: string; host: string } {
  const value = settings.defaultHost?.trim();
  if (!value) return { scheme: 'https', host: 'github.com' };
  const match = /^(https?):\/\/([^/]+)\/?$/i.exec(value);
  if (match) return { scheme: match[1]!.toLowerCase(), host: match[2]! };
  return { scheme: LOOPBACK.test(value) ? 'http' : 'https', host: value.replace(/\/+$/, '') };
}

/** The address git is given for what the user wrote. */
export function repositoryUrl(repository: string): string {
  return parseRepository(repository).url;
}

/** One identity per repository however it is spelled: lower-case host, no scheme, no `.git`, no trailing slash. */
export function repositoryId(repository: string): string {
  return parseRepository(repository).id;
}

/** Why `repository` is not an address forge can use, or null (for forge.yaml and forge.lock.yaml checks). */
export function repositoryAddressProblem(repository: string): string | null {
  try {
    parseRepository(repository);
    return null;
  } catch (error) {
    if (error instanceof ForgeError) return error.message.replace(/^Repository '.*?' /s, '').replace(/\.$/, '');
    throw error;
  }
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
