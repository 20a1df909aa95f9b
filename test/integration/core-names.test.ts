// Branch names forge accepts are exactly those git accepts (`git check-ref-format --branch`), and
// the typo suggestions used for component names and forge.yaml fields.

import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isValidBranchName, nearestName } from '../../src/core/names.js';

const NAMES = [
  'forge/x', 'forge/salesforce-lookup-1796414966', 'a/b', 'a@b', 'x.lock.y', 'ö/ä', 'fix_1.2',
  'a..b', '-x', 'x/', '/x', 'x.', 'a//b', 'a@{b', 'a b', 'a\tb', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b',
  '.a', 'a/.b', 'a.lock', 'a/b.lock/c', 'HEAD', '', 'a\u007fb',
];

describe('branch names', () => {
  it('agree with git check-ref-format --branch', () => {
    const disagree: string[] = [];
    for (const name of NAMES) {
      // Run outside any repository, so git judges the name alone.
      const git = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: tmpdir() }).status === 0;
      if (git !== isValidBranchName(name)) disagree.push(`${JSON.stringify(name)}: git ${git ? 'accepts' : 'refuses'}`);
    }
    expect(disagree).toEqual([]);
  });

  it("refuses '@', which git reads as HEAD's branch rather than as a name", () => {
    expect(isValidBranchName('@')).toBe(false);
  });
});

describe('the name a typo meant', () => {
  it('is the nearest candidate within two edits, ignoring case', () => {
    expect(nearestName('buton', ['button', 'tokens'])).toBe('button');
    expect(nearestName('VERSON', ['version', 'ref'])).toBe('version');
    expect(nearestName('Tokens', ['TOKENS'])).toBe('TOKENS');
    expect(nearestName('zzz', ['button', 'tokens'])).toBeNull();
    expect(nearestName('btn', ['button'])).toBeNull();
    expect(nearestName('x', [])).toBeNull();
  });
});
