// Who forge says made a commit it creates (forge sync push): the consumer repository's git
// identity, as `git commit` there would use it. GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL (and the
// GIT_COMMITTER_* pair) win; else user.name / user.email from `git config` in the repository
// (its own config, then the user's and the system's).

import { execFile } from 'node:child_process';
import type { CommitIdentity } from '../core/github.js';
import { ForgeError } from '../errors.js';

export interface IdentityEnvironment {
  [name: string]: string | undefined;
}

function gitConfig(root: string, key: string, env: IdentityEnvironment): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', key], { cwd: root, env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 10_000, windowsHide: true }, (error, stdout) => {
      const value = stdout?.trim() ?? '';
      resolve(error || value === '' ? null : value);
    });
  });
}

export async function readIdentity(root: string, env: IdentityEnvironment, now: Date = new Date()): Promise<CommitIdentity> {
  const [configName, configEmail] = await Promise.all([gitConfig(root, 'user.name', env), gitConfig(root, 'user.email', env)]);
  const pick = (...values: (string | null | undefined)[]) => values.find((v) => v !== undefined && v !== null && v.trim() !== '')?.trim() ?? null;
  const authorName = pick(env.GIT_AUTHOR_NAME, configName);
  const authorEmail = pick(env.GIT_AUTHOR_EMAIL, configEmail);
  if (!authorName || !authorEmail) {
    throw new ForgeError('E_NO_IDENTITY', `forge needs a name and an email for the commit it pushes, and git in ${root} has ${authorName ? 'no user.email' : 'no user.name'}.`, {
      hint: 'Set them as for any commit: git config --global user.name "Your Name"; git config --global user.email you@example.com (or GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL).',
      data: { root },
    });
  }
  return {
    author: { name: authorName, email: authorEmail },
    committer: { name: pick(env.GIT_COMMITTER_NAME, authorName)!, email: pick(env.GIT_COMMITTER_EMAIL, authorEmail)! },
    timezoneOffset: now.getTimezoneOffset(),
  };
}
