// Differential tests: forge's merge and diff against the real git (2.39) on generated edits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeText, mergeTextFavor, unifiedDiff, type Favor } from '../../src/merge/index.js';

let dir = '';
const gitEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  HOME: dir,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CEILING_DIRECTORIES: dir,
  LC_ALL: 'C',
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'forge-merge-diff-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function gitMergeFile(base: string, local: string, upstream: string, favor?: Favor): string {
  writeFileSync(join(dir, 'base'), base);
  writeFileSync(join(dir, 'local'), local);
  writeFileSync(join(dir, 'upstream'), upstream);
  const flag = favor === 'local' ? ['--ours'] : favor === 'upstream' ? ['--theirs'] : favor === 'union' ? ['--union'] : [];
  const r = spawnSync('git', ['merge-file', '-p', ...flag, '-L', 'LOCAL', '-L', 'BASE', '-L', 'UPSTREAM', 'local', 'base', 'upstream'], {
    cwd: dir,
    env: gitEnv(),
    encoding: 'utf8',
  });
  if (r.status === null || r.status < 0 || r.status > 127) throw new Error(`git merge-file failed: ${r.stderr}`);
  return r.stdout;
}

function gitDiff(a: string, b: string): string {
  writeFileSync(join(dir, 'a.txt'), a);
  writeFileSync(join(dir, 'b.txt'), b);
  const r = spawnSync('git', ['diff', '--no-index', '--no-color', 'a.txt', 'b.txt'], { cwd: dir, env: gitEnv(), encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git diff failed: ${r.stderr}`);
  const at = r.stdout.indexOf('\n--- ');
  return at === -1 ? '' : r.stdout.slice(at + 1);
}

interface Edit {
  kind: 'insert' | 'delete' | 'replace';
  at: number;
  count: number;
  lines: string[];
}

function applyEdits(base: string[], edits: Edit[]): string[] {
  const out = [...base];
  for (const e of edits) {
    const at = Math.floor(e.at * (out.length + 1));
    if (e.kind === 'insert') out.splice(at, 0, ...e.lines);
    else if (e.kind === 'delete') out.splice(at, e.count);
    else out.splice(at, e.count, ...e.lines);
  }
  return out;
}

function joinLines(lines: string[], finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

interface Case {
  base: string;
  local: string;
  upstream: string;
}

function threeWay(line: fc.Arbitrary<string>): fc.Arbitrary<Case> {
  const edit = fc.record({
    kind: fc.constantFrom<Edit['kind']>('insert', 'delete', 'replace'),
    at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    count: fc.integer({ min: 1, max: 4 }),
    lines: fc.array(line, { minLength: 1, maxLength: 4 }),
  });
  const eol = fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  return fc
    .record({
      base: fc.array(line, { minLength: 0, maxLength: 30 }),
      local: fc.array(edit, { maxLength: 4 }),
      upstream: fc.array(edit, { maxLength: 4 }),
      eols: fc.tuple(eol, eol, eol),
    })
    .map(({ base, local, upstream, eols }) => ({
      base: joinLines(base, eols[0]),
      local: joinLines(applyEdits(base, local), eols[1]),
      upstream: joinLines(applyEdits(base, upstream), eols[2]),
    }));
}

/** Mostly distinct lines, with the blank lines and braces real code repeats. */
const ordinaryLine = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 100_000 }).map((n) => `line ${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '}', '  return x;', '\tif (y) {', 'windows line\r', '   ') },
);
/** A handful of lines repeated over and over, where git's heuristics matter most. */
const repetitiveLine = fc.constantFrom('a', 'b', 'c', '', '{', '}', '  a');

const ORDINARY_CASES = 1200;
const REPETITIVE_CASES = 400;
const FAVOR_CASES = 200;
const DIFF_CASES = 300;
const REPETITIVE_BOUND = 0.05;

function disagreement(cases: Case[], compare: (c: Case) => boolean): { rate: number; first: Case | undefined } {
  let bad = 0;
  let first: Case | undefined;
  for (const c of cases) {
    if (!compare(c)) {
      bad++;
      first ??= c;
    }
  }
  return { rate: bad / cases.length, first };
}

describe('mergeText agrees with git merge-file -p', () => {
  it('on ordinary text, always', () => {
    const cases = fc.sample(threeWay(ordinaryLine), { numRuns: ORDINARY_CASES, seed: 4242 });
    for (const c of cases) {
      expect({ ...c, merged: mergeText(c.base, c.local, c.upstream).text }).toEqual({ ...c, merged: gitMergeFile(c.base, c.local, c.upstream) });
    }
  });

  it('on highly repetitive text, nearly always', () => {
    const cases = fc.sample(threeWay(repetitiveLine), { numRuns: REPETITIVE_CASES, seed: 777 });
    const { rate, first } = disagreement(cases, (c) => mergeText(c.base, c.local, c.upstream).text === gitMergeFile(c.base, c.local, c.upstream));
    console.log(`merge-file -p, repetitive text: disagreement ${(rate * 100).toFixed(2)}% of ${cases.length}`);
    if (first) console.log('first disagreement:', JSON.stringify(first));
    expect(rate).toBeLessThan(REPETITIVE_BOUND);
  });

  it('conflict count is the number of marker blocks git writes', () => {
    const cases = fc.sample(threeWay(ordinaryLine), { numRuns: 100, seed: 99 });
    for (const c of cases) {
      const r = mergeText(c.base, c.local, c.upstream);
      expect(r.conflicts).toBe(r.text.split('\n').filter((l) => l === '<<<<<<< LOCAL').length);
    }
  });
});

describe('mergeText agrees with git merge-file -p on large files with many edits', () => {
  // Hundreds of edits push git's diff past its cost limits, where its heuristics take over.
  const bigEdits = (line: fc.Arbitrary<string>): fc.Arbitrary<Case> =>
    fc
      .record({
        base: fc.array(line, { minLength: 300, maxLength: 1500 }),
        local: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.array(line, { maxLength: 5 }), fc.nat(5)), { minLength: 50, maxLength: 300 }),
        upstream: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.array(line, { maxLength: 5 }), fc.nat(5)), { minLength: 50, maxLength: 300 }),
      })
      .map(({ base, local, upstream }) => {
        const edit = (ops: [number, string[], number][]): string[] => {
          const out = [...base];
          for (const [at, lines, del] of ops) out.splice(Math.floor(at * (out.length + 1)), del, ...lines);
          return out;
        };
        return { base: joinLines(base, true), local: joinLines(edit(local), true), upstream: joinLines(edit(upstream), true) };
      });

  it('ordinary and repetitive', () => {
    const cases = [...fc.sample(bigEdits(ordinaryLine), { numRuns: 15, seed: 11 }), ...fc.sample(bigEdits(repetitiveLine), { numRuns: 15, seed: 12 })];
    const { rate } = disagreement(cases, (c) => mergeText(c.base, c.local, c.upstream).text === gitMergeFile(c.base, c.local, c.upstream));
    console.log(`merge-file -p, large files: disagreement ${(rate * 100).toFixed(2)}% of ${cases.length}`);
    expect(rate).toBeLessThan(REPETITIVE_BOUND);
  });
});

describe.each<Favor>(['local', 'upstream', 'union'])('mergeTextFavor(%s) agrees with git merge-file', (favor) => {
  it('on ordinary text, always', () => {
    const cases = fc.sample(threeWay(ordinaryLine), { numRuns: FAVOR_CASES, seed: 31 });
    for (const c of cases) {
      expect({ ...c, merged: mergeTextFavor(c.base, c.local, c.upstream, favor) }).toEqual({
        ...c,
        merged: gitMergeFile(c.base, c.local, c.upstream, favor),
      });
    }
  });

  it('on highly repetitive text, nearly always', () => {
    const cases = fc.sample(threeWay(repetitiveLine), { numRuns: FAVOR_CASES / 2, seed: 32 });
    const { rate } = disagreement(cases, (c) => mergeTextFavor(c.base, c.local, c.upstream, favor) === gitMergeFile(c.base, c.local, c.upstream, favor));
    console.log(`merge-file favor=${favor}, repetitive text: disagreement ${(rate * 100).toFixed(2)}% of ${cases.length}`);
    expect(rate).toBeLessThan(REPETITIVE_BOUND);
  });
});

describe('unifiedDiff agrees with git diff --no-index', () => {
  const pairs = (line: fc.Arbitrary<string>, seed: number): Case[] => fc.sample(threeWay(line), { numRuns: DIFF_CASES, seed });

  it('on ordinary text, always', () => {
    for (const c of pairs(ordinaryLine, 5)) {
      expect({ ...c, diff: unifiedDiff('a.txt', 'b.txt', c.base, c.local) }).toEqual({ ...c, diff: gitDiff(c.base, c.local) });
    }
  });

  it('on highly repetitive text, nearly always', () => {
    const { rate, first } = disagreement(pairs(repetitiveLine, 6), (c) => unifiedDiff('a.txt', 'b.txt', c.base, c.local) === gitDiff(c.base, c.local));
    console.log(`diff --no-index, repetitive text: disagreement ${(rate * 100).toFixed(2)}% of ${DIFF_CASES}`);
    if (first) console.log('first disagreement:', JSON.stringify(first));
    expect(rate).toBeLessThan(REPETITIVE_BOUND);
  });
});
