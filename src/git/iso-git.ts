// isomorphic-git, loaded on first use. With native git installed, a push, a no-op pull or a
// cold pull answers every question through git itself (cat-file, fast-import, pack-objects, the
// pkt-line code here), and isomorphic-git's initialisation, its functions' compilation (they are
// not in bin/run.js's code cache) and its parse of each pack's index cost more than that work.
// Every module of the adapter reaches isomorphic-git through these two functions.

export type IsomorphicGit = typeof import('isomorphic-git');

let loading: Promise<IsomorphicGit> | undefined;

export function isoGit(): Promise<IsomorphicGit> {
  return (loading ??= import('isomorphic-git'));
}

type HttpClient = typeof import('isomorphic-git/http/node').default;

let loadingHttp: Promise<HttpClient> | undefined;

/** isomorphic-git's HTTP client (simple-get underneath), which transport.ts sends every request through. */
export function isoGitHttp(): Promise<HttpClient> {
  return (loadingHttp ??= import('isomorphic-git/http/node').then((m) => m.default));
}
