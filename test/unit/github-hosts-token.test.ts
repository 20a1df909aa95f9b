// Which hosts are GitHub hosts and where their API is; which token forge uses (the variables in
// the contract's order, then gh's); whose name goes on a pushed commit.

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdentity } from '../../src/git/identity.js';
import { createHostResolver } from '../../src/github/hosts.js';
import { resolveToken, tokenFromGh, tokenFromVariables } from '../../src/github/token.js';
import { caught } from '../helpers/errors.js';
import { cleanupTempDirs, git, tempDir } from '../helpers/fixtures.js';

afterAll(cleanupTempDirs);

describe('hosts', () => {
  it('github.com is one; its API is api.github.com, or GITHUB_API_URL when no other host is set', () => {
    expect(createHostResolver({}).locate('github.com/acme/tools')).toEqual({ repo: { host: 'github.com', owner: 'acme', name: 'tools' }, apiBaseUrl: 'https://api.github.com' });
    expect(createHostResolver({ GITHUB_API_URL: 'https://proxy.example/api/' }).locate('https://github.com/acme/tools.git')?.apiBaseUrl).toBe('https://proxy.example/api');
    expect(createHostResolver({ GH_HOST: 'ghe.example.com', GITHUB_API_URL: 'https://ghe.example.com/api/v3' }).locate('github.com/a/b')?.apiBaseUrl).toBe('https://api.github.com');
  });

  it('GH_HOST (host or host:port, http or https) names an Enterprise host with its API under /api/v3', () => {
    expect(createHostResolver({ GH_HOST: 'ghe.example.com' }).locate('https://ghe.example.com/team/tools')).toEqual({ repo: { host: 'ghe.example.com', owner: 'team', name: 'tools' }, apiBaseUrl: 'https://ghe.example.com/api/v3' });
    expect(createHostResolver({ GH_HOST: 'http://ghe.local:8080' }).locate('http://ghe.local:8080/team/tools.git')?.apiBaseUrl).toBe('http://ghe.local:8080/api/v3');
    expect(createHostResolver({ GH_HOST: '127.0.0.1:4321' }).locate('http://127.0.0.1:4321/team/tools.git')?.apiBaseUrl).toBe('http://127.0.0.1:4321/api/v3');
    expect(createHostResolver({ GH_HOST: 'ghe.example.com', GITHUB_API_URL: 'https://api.ghe.example.com/' }).locate('https://ghe.example.com/t/r')?.apiBaseUrl).toBe('https://api.ghe.example.com');
    expect(createHostResolver({ GH_HOST: 'ghe.example.com' }).defaultHost).toBe('ghe.example.com');
  });

  it('in Actions on an Enterprise server, GITHUB_SERVER_URL names the host', () => {
    const hosts = createHostResolver({ GITHUB_SERVER_URL: 'https://ghe.corp.example', GITHUB_API_URL: 'https://ghe.corp.example/api/v3' });
    expect(hosts.locate('https://ghe.corp.example/team/tools')?.apiBaseUrl).toBe('https://ghe.corp.example/api/v3');
    expect(hosts.locate('github.com/acme/tools')?.apiBaseUrl).toBe('https://api.github.com');
  });

  it('anything else is no GitHub repository: other hosts, deeper paths, unparsable addresses', () => {
    const hosts = createHostResolver({ GH_HOST: 'ghe.example.com' });
    expect(hosts.locate('https://gitlab.com/acme/tools')).toBeNull();
    expect(hosts.locate('https://github.com/acme')).toBeNull();
    expect(hosts.locate('https://ghe.example.com/a/b/c')).toBeNull();
    expect(hosts.locate('ftp://github.com/a/b')).toBeNull();
  });
});

describe('tokens', () => {
  it('GH_TOKEN, then GITHUB_TOKEN, then FORGE_TOKEN; blank ones do not count', () => {
    expect(tokenFromVariables({ GH_TOKEN: 'a', GITHUB_TOKEN: 'b', FORGE_TOKEN: 'c' })).toEqual({ token: 'a', source: 'GH_TOKEN' });
    expect(tokenFromVariables({ GH_TOKEN: '  ', GITHUB_TOKEN: 'b', FORGE_TOKEN: 'c' })).toEqual({ token: 'b', source: 'GITHUB_TOKEN' });
    expect(tokenFromVariables({ FORGE_TOKEN: ' c ' })).toEqual({ token: 'c', source: 'FORGE_TOKEN' });
    expect(tokenFromVariables({})).toBeNull();
  });

  it('with none set: `gh auth token --hostname HOST` when gh is installed and logged in', async () => {
    const bin = await tempDir('forge-gh-bin-');
    await writeFile(join(bin, 'gh'), '#!/bin/sh\n[ "$1 $2 $3 $4" = "auth token --hostname ghe.example.com" ] && { echo gho_fromgh; exit 0; }\necho "no oauth token found for $4" >&2\nexit 1\n');
    await chmod(join(bin, 'gh'), 0o755);
    const env = { PATH: bin };
    expect(await tokenFromGh('ghe.example.com', env)).toBe('gho_fromgh');
    expect(await tokenFromGh('github.com', env)).toBeNull();
    expect(await resolveToken(env, 'ghe.example.com')).toEqual({ token: 'gho_fromgh', source: 'gh' });
    expect(await resolveToken({ ...env, GITHUB_TOKEN: 'env' }, 'ghe.example.com')).toEqual({ token: 'env', source: 'GITHUB_TOKEN' });
  });

  it('no gh on PATH: no token, and nothing is run', async () => {
    const empty = await tempDir('forge-gh-none-');
    expect(await tokenFromGh('github.com', { PATH: empty })).toBeNull();
  });
});

describe('the identity of a pushed commit', () => {
  it("the consumer repository's user.name and user.email; GIT_AUTHOR_* and GIT_COMMITTER_* win", async () => {
    const repo = await tempDir('forge-id-');
    await git(['init', '-q'], { cwd: repo });
    await git(['config', 'user.name', 'Ada Lovelace'], { cwd: repo });
    await git(['config', 'user.email', 'ada@example.com'], { cwd: repo });
    const env = { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' };
    const winter = new Date('2024-01-15T12:00:00Z');
    expect(await readIdentity(repo, env, winter)).toEqual({
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      committer: { name: 'Ada Lovelace', email: 'ada@example.com' },
      timezoneOffset: winter.getTimezoneOffset(),
    });
    const id = await readIdentity(repo, { ...env, GIT_AUTHOR_NAME: 'Bot', GIT_AUTHOR_EMAIL: 'bot@example.com', GIT_COMMITTER_NAME: 'CI' }, winter);
    expect(id.author).toEqual({ name: 'Bot', email: 'bot@example.com' });
    expect(id.committer).toEqual({ name: 'CI', email: 'bot@example.com' });
  });

  it('no identity at all: exit 2 saying how to set one', async () => {
    const repo = await tempDir('forge-noid-');
    await git(['init', '-q'], { cwd: repo });
    const error = await caught(readIdentity(repo, { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(repo, 'none') }));
    expect(error).toMatchObject({ code: 'E_NO_IDENTITY', exitCode: 2 });
    expect(error.hint).toContain('git config --global user.name');
  });
});
