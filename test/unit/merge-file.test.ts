import { describe, expect, it } from 'vitest';
import { mergeFile, type FileSide } from '../../src/merge/index.js';
import type { FileMode } from '../../src/core/model.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const side = (text: string, mode: FileMode = '100644'): FileSide => ({ mode, content: enc.encode(text) });
const bin = (bytes: number[], mode: FileMode = '100644'): FileSide => ({ mode, content: Uint8Array.from(bytes) });
const textOf = (s: FileSide | null): string | null => (s === null ? null : dec.decode(s.content));

const base = 'one\ntwo\nthree\nfour\nfive\nsix\n';

describe('mergeFile', () => {
  it('takes upstream when only upstream changed, and local when only local changed', () => {
    const up = side(base.replace('two', 'TWO'));
    expect(mergeFile('a.txt', side(base), side(base), up)).toEqual({ status: 'clean', result: up });
    const local = side(base.replace('two', 'TWO'));
    expect(mergeFile('a.txt', side(base), local, side(base))).toEqual({ status: 'clean', result: local });
  });

  it('merges separate edits of a text file cleanly', () => {
    const r = mergeFile('a.txt', side(base), side(base.replace('one', '1')), side(base.replace('six', '6')));
    expect(r.status).toBe('clean');
    expect(textOf(r.result)).toBe('1\ntwo\nthree\nfour\nfive\n6\n');
  });

  it('leaves conflict markers in the folder for conflicting text edits', () => {
    const r = mergeFile('a.txt', side(base), side(base.replace('three', 'L')), side(base.replace('three', 'U')));
    expect(r).toMatchObject({ status: 'conflict', type: 'content', binary: false });
    expect(textOf(r.result)).toBe('one\ntwo\n<<<<<<< LOCAL\nL\n=======\nU\n>>>>>>> UPSTREAM\nfour\nfive\nsix\n');
  });

  it('deletes a file deleted on one side and untouched on the other', () => {
    expect(mergeFile('a.txt', side(base), null, side(base))).toEqual({ status: 'clean', result: null });
    expect(mergeFile('a.txt', side(base), side(base), null)).toEqual({ status: 'clean', result: null });
    expect(mergeFile('a.txt', side(base), null, null)).toEqual({ status: 'clean', result: null });
  });

  it('reports modify/delete as a content conflict and keeps the changed side', () => {
    const changed = side(base + 'seven\n');
    expect(mergeFile('a.txt', side(base), null, changed)).toMatchObject({ status: 'conflict', type: 'content', result: changed });
    expect(mergeFile('a.txt', side(base), changed, null)).toMatchObject({ status: 'conflict', type: 'content', result: changed });
  });

  it('adds a file added on one side, and takes identical additions', () => {
    expect(mergeFile('n.txt', null, null, side('new\n'))).toEqual({ status: 'clean', result: side('new\n') });
    expect(mergeFile('n.txt', null, side('new\n'), side('new\n'))).toEqual({ status: 'clean', result: side('new\n') });
  });

  it('reports add/add with different content as a conflict with a two-way merge like git', () => {
    const r = mergeFile('n.txt', null, side('same\nlocal\n'), side('same\nupstream\n'));
    expect(r).toMatchObject({ status: 'conflict', type: 'content' });
    expect(textOf(r.result)).toBe('same\n<<<<<<< LOCAL\nlocal\n=======\nupstream\n>>>>>>> UPSTREAM\n');
  });

  it('keeps local bytes for a binary file changed on both sides', () => {
    const local = bin([0, 1, 2]);
    const r = mergeFile('img.png', bin([0, 1]), local, bin([0, 9]));
    expect(r).toEqual({ status: 'conflict', type: 'content', message: expect.stringContaining('img.png'), result: local, binary: true });
  });

  it('merges a binary file changed on one side only', () => {
    expect(mergeFile('img.png', bin([0, 1]), bin([0, 1]), bin([0, 2]))).toEqual({ status: 'clean', result: bin([0, 2]) });
  });

  it('merges the executable bit three-way', () => {
    const r = mergeFile('run.sh', side(base), side(base, '100755'), side(base.replace('one', '1')));
    expect(r).toEqual({ status: 'clean', result: side(base.replace('one', '1'), '100755') });
    const both = mergeFile('run.sh', side(base), side(base, '100755'), side(base, '120000'));
    expect(both).toMatchObject({ status: 'conflict', type: 'content', result: side(base, '100755') });
  });

  it('keeps a missing final newline through a clean merge', () => {
    const r = mergeFile('a.txt', side('a\nb\nc'), side('A\nb\nc'), side('a\nb\nC'));
    expect(textOf(r.result)).toBe('A\nb\nC');
  });

  it('merges YAML whose sides changed different fields of the same lines, keeping comments', () => {
    const b = '# settings\nconfig:\n  timeout: 30 # seconds\n  retries: 3\n';
    const l = '# settings\nconfig:\n  timeout: 30 # seconds\n  retries: 5\n';
    const u = '# settings\nconfig:\n  timeout: 60 # seconds\n  retries: 3\n  verbose: true\n';
    expect(mergeText3('c.yaml', b, l, u)).toEqual({ status: 'clean', text: '# settings\nconfig:\n  timeout: 60 # seconds\n  retries: 5\n  verbose: true\n' });
  });

  it('merges JSON the same way, keeping local indentation', () => {
    const b = '{\n    "a": 1,\n    "b": 2\n}\n';
    const l = '{\n    "a": 10,\n    "b": 2\n}\n';
    const u = '{\n    "a": 1,\n    "b": 20\n}\n';
    expect(mergeText3('p.json', b, l, u)).toEqual({ status: 'clean', text: '{\n    "a": 10,\n    "b": 20\n}\n' });
  });

  it('reports a conflict when both sides changed the same YAML field differently', () => {
    const r = mergeFile('c.yaml', side('a: 1\n'), side('a: 2\n'), side('a: 3\n'));
    expect(r).toMatchObject({ status: 'conflict', type: 'content' });
  });

  it('reports a schema conflict when a clean merge leaves YAML that does not parse', () => {
    const b = 'list:\n  - a\n\n\n\nother: 1\n';
    const l = 'list:\n  - a\n  - b\n\n\n\nother: 1\n';
    const u = 'list:\n  - a\n\n\n\nother: [1\n';
    const r = mergeFile('c.yaml', side(b), side(l), side(u));
    expect(r).toMatchObject({ status: 'conflict', type: 'schema', binary: false });
    expect(textOf(r.result)).toBe('list:\n  - a\n  - b\n\n\n\nother: [1\n');
  });

  it('reports a schema conflict when the validator rejects the merged text', () => {
    const validate = (_p: string, text: string): string | null => (text.includes('bad') ? 'field x is bad' : null);
    const r = mergeFile('component.yaml', side('a: 1\n\n\n\nb: 2\n'), side('a: bad\n\n\n\nb: 2\n'), side('a: 1\n\n\n\nb: 3\n'), { validate });
    expect(r).toMatchObject({ status: 'conflict', type: 'schema', message: expect.stringContaining('field x is bad') });
  });
});

function mergeText3(path: string, b: string, l: string, u: string): { status: string; text: string | null } {
  const r = mergeFile(path, side(b), side(l), side(u));
  return { status: r.status, text: textOf(r.result) };
}
