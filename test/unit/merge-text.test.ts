import { describe, expect, it } from 'vitest';
import { mergeText, mergeTextFavor, renderRegions } from '../../src/merge/index.js';

const base = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';

describe('three-way text merge', () => {
  it('merges separate edits cleanly', () => {
    const local = 'one\nTWO\nthree\nfour\nfive\nsix\nseven\n';
    const upstream = 'one\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n';
    const r = mergeText(base, local, upstream);
    expect(r).toMatchObject({ text: 'one\nTWO\nthree\nfour\nfive\nsix\nSEVEN\n', conflicts: 0 });
  });

  it('writes conflict markers exactly as git merge-file does, with LOCAL and UPSTREAM labels', () => {
    const r = mergeText(base, base.replace('four', 'local four'), base.replace('four', 'upstream four'));
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe(
      'one\ntwo\nthree\n<<<<<<< LOCAL\nlocal four\n=======\nupstream four\n>>>>>>> UPSTREAM\nfive\nsix\nseven\n',
    );
  });

  it('trims the lines both sides share out of a conflict', () => {
    const r = mergeText('a\nb\nc\n', 'a\nX\nsame\nc\n', 'a\nY\nsame\nc\n');
    expect(r.text).toBe('a\n<<<<<<< LOCAL\nX\n=======\nY\n>>>>>>> UPSTREAM\nsame\nc\n');
  });

  it('folds conflicts separated only by lines without letters or digits into one', () => {
    const b = 'a\n{\n}\n{\n}\nb\n';
    const r = mergeText(b, 'A\n{\n}\n{\n}\nB\n', 'a1\n{\n}\n{\n}\nb1\n');
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe('<<<<<<< LOCAL\nA\n{\n}\n{\n}\nB\n=======\na1\n{\n}\n{\n}\nb1\n>>>>>>> UPSTREAM\n');
  });

  it('treats identical edits on both sides as clean', () => {
    const changed = base.replace('three', 'THREE');
    expect(mergeText(base, changed, changed)).toMatchObject({ text: changed, conflicts: 0 });
  });

  it('ends a marker line with a newline when the last line of a side has none', () => {
    const r = mergeText('a\nb', 'a\nlocal', 'a\nupstream');
    expect(r.text).toBe('a\n<<<<<<< LOCAL\nlocal\n=======\nupstream\n>>>>>>> UPSTREAM\n');
  });

  it('keeps a missing final newline when the merge is clean', () => {
    expect(mergeText('a\nb\nc', 'A\nb\nc', 'a\nb\nC').text).toBe('A\nb\nC');
  });

  it('uses CRLF markers in CRLF files', () => {
    const r = mergeText('a\r\nb\r\n', 'a\r\nL\r\n', 'a\r\nU\r\n');
    expect(r.text).toBe('a\r\n<<<<<<< LOCAL\r\nL\r\n=======\r\nU\r\n>>>>>>> UPSTREAM\r\n');
  });

  it('gives regions that render back to the merged text', () => {
    const r = mergeText(base, base.replace('two', 'L2').replace('seven', 'L7'), base.replace('two', 'U2').replace('seven', 'U7'));
    expect(r.conflicts).toBe(2);
    expect(renderRegions(r.regions)).toBe(r.text);
    const conflicts = r.regions.filter((x) => x.kind === 'conflict');
    expect(conflicts).toEqual([
      { kind: 'conflict', base: ['two\n'], local: ['L2\n'], upstream: ['U2\n'], eol: '\n' },
      { kind: 'conflict', base: ['seven\n'], local: ['L7\n'], upstream: ['U7\n'], eol: '\n' },
    ]);
  });

  it('lets a resolver decide conflict by conflict', () => {
    const r = mergeText(base, base.replace('two', 'L2').replace('seven', 'L7'), base.replace('two', 'U2').replace('seven', 'U7'));
    const choices = ['upstream', { custom: ['mine\n'] }] as const;
    expect(renderRegions(r.regions, (i) => choices[i]!)).toBe('one\nU2\nthree\nfour\nfive\nsix\nmine\n');
    expect(renderRegions(r.regions, () => 'both')).toBe('one\nL2\nU2\nthree\nfour\nfive\nsix\nL7\nU7\n');
  });

  it('is deterministic', () => {
    const args = [base, base.replace('two', 'x'), base.replace('two', 'y')] as const;
    expect(mergeText(...args)).toEqual(mergeText(...args));
  });
});

describe('favoring a side decides only the conflicting hunks (git merge-file --ours/--theirs/--union)', () => {
  const local = 'one\nL2\nthree\nfour\nfive\nsix\nseven\nlocal end\n';
  const upstream = 'upstream start\none\nU2\nthree\nfour\nfive\nsix\nseven\n';
  it('--ours', () => {
    expect(mergeTextFavor(base, local, upstream, 'local')).toBe('upstream start\none\nL2\nthree\nfour\nfive\nsix\nseven\nlocal end\n');
  });
  it('--theirs', () => {
    expect(mergeTextFavor(base, local, upstream, 'upstream')).toBe('upstream start\none\nU2\nthree\nfour\nfive\nsix\nseven\nlocal end\n');
  });
  it('--union', () => {
    expect(mergeTextFavor(base, local, upstream, 'union')).toBe('upstream start\none\nL2\nU2\nthree\nfour\nfive\nsix\nseven\nlocal end\n');
  });
  it('--union adds the newline a local last line lacks before the upstream lines', () => {
    expect(mergeTextFavor('a\nb', 'a\nL', 'a\nU', 'union')).toBe('a\nL\nU');
  });
});
