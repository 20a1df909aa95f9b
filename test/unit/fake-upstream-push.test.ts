// The fake GitPort's push follows the real adapter's rules (see test/integration/git-push.test.ts),
// so engine tests over the fakes see the refusals a real server gives.

import { describe, expect, it } from 'vitest';
import { FakeUpstream } from '../helpers/fakes.js';
import { caught } from '../helpers/errors.js';

const AUTHOR = { name: 'Dev', email: 'dev@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
const URL = 'https://github.com/acme/tools';

async function setup() {
  const upstream = new FakeUpstream();
  const repo = upstream.repo(URL);
  const base = repo.commit({ files: { 'c/a.txt': 'a\n', 'c/b.txt': 'b\n', 'other.txt': 'o\n' }, tag: 'v1.0.0' });
  await upstream.ensureCommits(URL, [{ commit: base }]);
  const made = await upstream.createCommit(URL, {
    parent: base,
    changes: [
      { action: 'write', path: 'c/a.txt', mode: '100755', content: Buffer.from('A\n') },
      { action: 'delete', path: 'c/b.txt' },
    ],
    message: 'Update c',
    author: AUTHOR,
  });
  return { upstream, repo, base, made };
}

describe('fake upstream push', () => {
  it('writes the change on top of the parent and puts it on the branch', async () => {
    const { upstream, repo, base, made } = await setup();
    expect(repo.filesAt(made.commit, 'c')).toEqual({ 'a.txt': 'A\n' });
    const files = repo.commits.get(made.commit)!.files;
    expect([...files.keys()].sort()).toEqual(['c/a.txt', 'other.txt']);
    expect(files.get('c/a.txt')!.mode).toBe('100755');
    expect(await upstream.push(URL, { remote: URL, commit: made.commit, branch: 'forge/c-1', expect: null })).toEqual({ previous: null });
    expect(repo.refs.get('refs/heads/forge/c-1')).toBe(made.commit);
    expect((await upstream.readCommit(URL, made.commit)).parents).toEqual([base]);
    expect(upstream.pushes.map((p) => p.branch)).toEqual(['forge/c-1']);
  });

  it('refuses a moved branch, a non-fast-forward and a remote without the parent; force and a matching expect win', async () => {
    const { upstream, repo, made } = await setup();
    const theirs = repo.commit({ files: { 'x.txt': 'x\n' }, branch: 'forge/c' });
    for (const extra of [{}, { expect: null }, { expect: made.commit }]) {
      expect((await caught(upstream.push(URL, { remote: URL, commit: made.commit, branch: 'forge/c', ...extra }))).code).toBe('E_PUSH_REJECTED');
    }
    expect(await upstream.push(URL, { remote: URL, commit: made.commit, branch: 'forge/c', expect: theirs })).toEqual({ previous: theirs });
    expect(await upstream.push(URL, { remote: URL, commit: made.commit, branch: 'forge/d', force: true })).toEqual({ previous: null });
    upstream.repo('github.com/someone/empty').commit({ files: { 'z.txt': 'z\n' } });
    expect((await caught(upstream.push(URL, { remote: 'github.com/someone/empty', commit: made.commit, branch: 'x' }))).code).toBe('E_PUSH_REJECTED');
    const fork = upstream.forkOf(URL, 'github.com/me/tools');
    await upstream.push(URL, { remote: 'github.com/me/tools', commit: made.commit, branch: 'forge/c' });
    expect(fork.refs.get('refs/heads/forge/c')).toBe(made.commit);
  });

  it('lets a test make pushes fail', async () => {
    const { upstream, made } = await setup();
    const { ForgeError } = await import('../../src/errors.js');
    upstream.beforePush = () => {
      throw new ForgeError('E_AUTH', 'refused');
    };
    expect((await caught(upstream.push(URL, { remote: URL, commit: made.commit, branch: 'b' }))).code).toBe('E_AUTH');
  });
});
