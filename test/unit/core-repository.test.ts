// Every way a repository can be written (the contract's "upstream repository"), what git is
// given for it, and its one identity.

import { afterEach, describe, expect, it } from 'vitest';
import { configureAddresses, parseRepository, repositoryAddressProblem, repositoryId, repositoryUrl } from '../../src/core/repository.js';
import { caught } from '../helpers/errors.js';

afterEach(() => configureAddresses({}));

describe('repository addresses', () => {
  it.each([
    ['org/repo', 'https://github.com/org/repo', 'github.com/org/repo', 'http'],
    ['github.com/org/repo', 'https://github.com/org/repo', 'github.com/org/repo', 'http'],
    ['GitHub.com/org/repo.git/', 'https://github.com/org/repo.git', 'github.com/org/repo', 'http'],
    ['https://github.com/org/repo.git', 'https://github.com/org/repo.git', 'github.com/org/repo', 'http'],
    ['http://127.0.0.1:8080/tools.git', 'http://127.0.0.1:8080/tools.git', '127.0.0.1:8080/tools', 'http'],
    ['127.0.0.1:8080/org/tools', 'http://127.0.0.1:8080/org/tools', '127.0.0.1:8080/org/tools', 'http'],
    ['git.example.com/tools', 'https://git.example.com/tools', 'git.example.com/tools', 'http'],
    ['file:///srv/git/tools.git', 'file:///srv/git/tools.git', 'file:/srv/git/tools', 'file'],
    ['/srv/git/tools.git', 'file:///srv/git/tools.git', 'file:/srv/git/tools', 'file'],
    ['/srv/git/../git/my tools', 'file:///srv/git/my%20tools', 'file:/srv/git/my tools', 'file'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git', 'github.com/org/repo', 'ssh'],
    ['ssh://git@github.com/org/repo.git', 'ssh://git@github.com/org/repo.git', 'github.com/org/repo', 'ssh'],
    ['ssh://git@host.example:2222/srv/repo', 'ssh://git@host.example:2222/srv/repo', 'host.example:2222/srv/repo', 'ssh'],
    ['host.example:/srv/repo.git', 'host.example:/srv/repo.git', 'host.example/srv/repo', 'ssh'],
  ])('%s → %s (%s)', (address, url, id, kind) => {
    const parsed = parseRepository(address);
    expect(parsed).toMatchObject({ url, id, kind });
    expect(repositoryUrl(address)).toBe(url);
    expect(repositoryId(address)).toBe(id);
    // The URL given to git reads back as the same repository.
    expect(repositoryId(parsed.url)).toBe(id);
  });

  it('one repository over https, the shorthand and ssh has one identity', () => {
    const ids = new Set(['org/repo', 'github.com/org/repo', 'https://github.com/org/repo.git', 'git@github.com:org/repo.git', 'ssh://git@github.com/org/repo'].map(repositoryId));
    expect([...ids]).toEqual(['github.com/org/repo']);
  });

  it('ORG/REPO means GH_HOST when it is set, with its scheme and port', () => {
    configureAddresses({ defaultHost: 'ghe.example.com' });
    expect(repositoryUrl('org/repo')).toBe('https://ghe.example.com/org/repo');
    configureAddresses({ defaultHost: '127.0.0.1:3000' });
    expect(repositoryUrl('org/repo')).toBe('http://127.0.0.1:3000/org/repo');
    configureAddresses({ defaultHost: 'http://ghe.internal:8080' });
    expect(repositoryUrl('org/repo')).toBe('http://ghe.internal:8080/org/repo');
    expect(repositoryUrl('github.com/org/repo')).toBe('https://github.com/org/repo');
  });

  it('relative paths start at the workspace folder, ~ at home', () => {
    configureAddresses({ baseDir: '/work/app', homeDir: '/home/me' });
    expect(parseRepository('../upstream/tools.git')).toMatchObject({ kind: 'file', url: 'file:///work/upstream/tools.git', localPath: '/work/upstream/tools.git' });
    expect(repositoryUrl('./vendor/repo')).toBe('file:///work/app/vendor/repo');
    expect(repositoryUrl('~/src/tools')).toBe('file:///home/me/src/tools');
  });

  it.each([
    ['', 'is empty'],
    ['tools', 'is not ORG/REPO'],
    ['github.com', 'names a host but no repository'],
    ['https://github.com/', 'names a host but no repository'],
    ['https://user:secret@github.com/org/repo', 'credentials'],
    ['user:secret@github.com/org/repo', 'credentials'],
    ['ftp://example.com/repo', "'ftp' scheme"],
    ['file://otherhost/srv/repo', 'only point to this machine'],
    ['github.com/org/../repo', '".."'],
    ['ssh://git:pw@host/repo', 'password'],
    ['./relative', 'no workspace folder'],
    ['C:\\repos\\tools', 'Windows path'],
  ])('refuses %j (%s) with E_BAD_REPOSITORY, exit 2', async (address, why) => {
    const error = await caught(Promise.resolve().then(() => parseRepository(address)));
    expect(error.code).toBe('E_BAD_REPOSITORY');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('secret');
    expect(repositoryAddressProblem(address)).toContain(why);
  });
});
