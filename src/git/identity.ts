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

/**
 * user.name and user.email as `git config --get` gives each (the last value set wins: the
 * repository's over the user's over the system's), from one process.
 */
function gitIdentityConfig(root: string, env: IdentityEnvironment): Promise<{ name: string | null; email: string | null }> {
  return new Promise((resolve) => {
    execFile('git', ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], { cwd: root, env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 10_000, windowsHide: true }, (error, stdout) => {
      const found: { name: string | null; email: string | null } = { name: null, email: null };
      // -z: "KEY\nVALUE\0" per value ("KEY\0" for a key without one); nothing (exit 1) when neither is set.
      for (const record of error ? [] : (stdout ?? '').split('\0')) {
        const newline = record.indexOf('\n');
        const key = newline < 0 ? record : record.slice(0, newline);
        const value = newline < 0 ? '' : record.slice(newline + 1).trim();
        if (key === 'user.name') found.name = value === '' ? null : value;
        else if (key === 'user.email') found.email = value === '' ? null : value;
      }
      resolve(found);
    });
  });
}

const given = (value: string | undefined) => value !== undefined && value.trim() !== '';

export async function readIdentity(root: string, env: IdentityEnvironment, now: Date = new Date()): Promise<CommitIdentity> {
  // GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL decide everything git config could: no process then.
  const { name: configName, email: configEmail } = given(env.GIT_AUTHOR_NAME) && given(env.GIT_AUTHOR_EMAIL) ? { name: null, email: null } : await gitIdentityConfig(root, env);
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
