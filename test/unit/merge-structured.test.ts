import { describe, expect, it } from 'vitest';
import { mergeStructured, setField, structuredChanges } from '../../src/merge/index.js';

describe('structured merge', () => {
  it('merges different fields changed on each side and keeps local comments', () => {
    const b = '# top\nname: x # the name\nconfig:\n  timeout: 30\n  retries: 3\n';
    const l = '# top\nname: x # the name\nconfig:\n  timeout: 30\n  retries: 5 # more\n';
    const u = '# top\nname: y # the name\nconfig:\n  timeout: 30\n  retries: 3\n';
    expect(mergeStructured('c.yml', b, l, u)).toBe('# top\nname: y # the name\nconfig:\n  timeout: 30\n  retries: 5 # more\n');
  });

  it('takes a field added upstream after the field it follows there', () => {
    const b = 'a: 1\nc: 3\n';
    expect(mergeStructured('c.yaml', b, 'a: 1\nc: 4\n', 'a: 1\nb: 2\nc: 3\n')).toBe('a: 1\nb: 2\nc: 4\n');
  });

  it('compares sequences whole', () => {
    expect(mergeStructured('c.yaml', 'l: [1, 2]\n', 'l: [1, 3]\n', 'l: [0, 2]\n')).toBeNull();
  });

  it('returns null when both sides changed the same field differently', () => {
    expect(mergeStructured('c.yaml', 'a:\n  b: 1\n', 'a:\n  b: 2\n', 'a:\n  b: 3\n')).toBeNull();
  });

  it('removes a field upstream removed when local left it alone', () => {
    expect(mergeStructured('p.json', '{\n  "a": 1,\n  "b": 2\n}\n', '{\n  "a": 5,\n  "b": 2\n}\n', '{\n  "a": 1\n}\n')).toBe('{\n  "a": 5\n}\n');
  });
});

describe('structuredChanges', () => {
  it('lists changed, added and removed fields with dotted paths', () => {
    const before = 'config:\n  timeout: 30\n  old: x\nname: a\n';
    const after = 'config:\n  timeout: 60\n  new: [1]\nname: a\n';
    expect(structuredChanges('c.yaml', before, after)).toEqual([
      { field: 'config.timeout', before: 30, after: 60, kind: 'changed' },
      { field: 'config.new', before: undefined, after: [1], kind: 'added' },
      { field: 'config.old', before: 'x', after: undefined, kind: 'removed' },
    ]);
  });

  it('reads JSON too', () => {
    expect(structuredChanges('p.json', '{"a": {"b": 1}}', '{"a": {"b": 2}}')).toEqual([{ field: 'a.b', before: 1, after: 2, kind: 'changed' }]);
  });

  it('throws when a version does not parse', () => {
    expect(() => structuredChanges('c.yaml', 'a: 1\n', 'a: [\n')).toThrow();
  });
});

describe('setField', () => {
  it('edits one YAML field and keeps comments and layout', () => {
    const text = '# component\nname: lookup # shown in lists\nconfig:\n  timeout: 30 # seconds\ntags:\n- a\n- b\n';
    expect(setField('component.yaml', text, 'config.timeout', '60')).toBe(
      '# component\nname: lookup # shown in lists\nconfig:\n  timeout: 60 # seconds\ntags:\n- a\n- b\n',
    );
  });

  it('parses the value as a YAML scalar', () => {
    expect(setField('c.yaml', 'a: 1\n', 'a', 'true')).toBe('a: true\n');
    expect(setField('c.yaml', 'a: 1\n', 'a', 'hello world')).toBe('a: hello world\n');
    expect(setField('c.yaml', 'a: x\n', 'a', '60')).toBe('a: 60\n');
  });

  it('creates missing maps', () => {
    expect(setField('c.yaml', 'a: 1\n', 'b.c.d', 'x')).toBe('a: 1\nb:\n  c:\n    d: x\n');
  });

  it('keeps JSON valid JSON with its indentation', () => {
    const out = setField('p.json', '{\n    "a": 1\n}\n', 'b.c', '2');
    expect(out).toBe('{\n    "a": 1,\n    "b": {\n        "c": 2\n    }\n}\n');
    expect(JSON.parse(out)).toEqual({ a: 1, b: { c: 2 } });
  });

  it('refuses to descend into a scalar', () => {
    expect(() => setField('c.yaml', 'a: 1\n', 'a.b', '2')).toThrow(/not a map/);
  });
});
