// Which repository URLs forge talks to: http(s) only, never with credentials inside (the token
// comes from the environment). Checked before any request, by the cache and by ref listing alike.

import { ForgeError } from '../errors.js';
import { displayRepository } from './git-errors.js';

export function checkRepositoryUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ForgeError('E_BAD_REPOSITORY', `"${url}" is not a repository URL.`, { data: { repository: url } });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ForgeError('E_BAD_REPOSITORY', `${displayRepository(url)} is not an http(s) repository URL.`, {
      data: { repository: displayRepository(url) },
    });
  }
  if (parsed.username || parsed.password) {
    throw new ForgeError('E_BAD_REPOSITORY', `${displayRepository(url)} carries credentials in its URL.`, {
      hint: 'Remove them from the URL and set GH_TOKEN instead.',
      data: { repository: displayRepository(url) },
    });
  }
}
