// forge dev edit on JSON: only the value's bytes change; a new key takes the style of its object.

import { describe, expect, it } from 'vitest';
import { parseFieldValue, setField } from '../../src/merge/index.js';

describe('setField on JSON', () => {
  it('a one-line file stays one line, byte for byte but the value', () => {
    const text = '{"name": "lookup", "config": {"timeout": 30, "retries": 3}}\n';
    expect(setField('c.json', text, 'config.timeout', '60')).toBe('{"name": "lookup", "config": {"timeout": 60, "retries": 3}}\n');
    expect(setField('c.json', '{"a":1,"b":{"c":2}}', 'b.c', '3')).toBe('{"a":1,"b":{"c":3}}');
  });

  it('a new key in a one-line object goes inline, with the file’s spacing', () => {
    expect(setField('c.json', '{"a": 1, "b": {"c": 2}}\n', 'b.d', 'x')).toBe('{"a": 1, "b": {"c": 2, "d": "x"}}\n');
    expect(setField('c.json', '{"a":1}', 'b.c', 'true')).toBe('{"a":1,"b":{"c":true}}');
    expect(setField('c.json', '{}', 'a', '1')).toBe('{"a": 1}');
  });

  it('a new key in a multi-line object gets its own line at the siblings’ indentation', () => {
    const text = '{\n    "name": "x",\n    "limits": {\n        "max": 5\n    }\n}\n';
    expect(setField('c.json', text, 'limits.min', '1')).toBe('{\n    "name": "x",\n    "limits": {\n        "max": 5,\n        "min": 1\n    }\n}\n');
    expect(setField('c.json', text, 'a.b', '1')).toBe('{\n    "name": "x",\n    "limits": {\n        "max": 5\n    },\n    "a": {\n        "b": 1\n    }\n}\n');
    expect(setField('c.json', '{\n\t"a": {\n\t}\n}\n', 'a.b', '1')).toBe('{\n\t"a": {\n\t\t"b": 1\n\t}\n}\n');
  });

  it('keeps formatting it does not touch: odd spacing, key order, a value that spans lines', () => {
    const text = '{ "z" : [1,\n 2], "a" :   "old" ,"m":null }';
    expect(setField('c.json', text, 'a', 'new')).toBe('{ "z" : [1,\n 2], "a" :   "new" ,"m":null }');
  });

  it('the last of duplicate keys is the one set, as JSON.parse reads it', () => {
    expect(setField('c.json', '{"a": 1, "a": 2}', 'a', '3')).toBe('{"a": 1, "a": 3}');
  });

  it('an empty file becomes an object', () => {
    expect(JSON.parse(setField('c.json', '', 'a.b', '1'))).toEqual({ a: { b: 1 } });
  });

  it('refuses a path through a value that is not an object, and a file that is not JSON', () => {
    expect(() => setField('c.json', '{"a": "x"}', 'a.b', '1')).toThrow(/a is not a map/);
    expect(() => setField('c.json', '[1, 2]', 'a', '1')).toThrow(/the document is not a map/);
    expect(() => setField('c.json', '{"a": 1,}', 'a', '2')).toThrow(/expected a key at line 1/);
    expect(() => setField('c.json', '{"a": 1} x', 'a', '2')).toThrow(/unexpected text/);
  });
});

describe("--value ''", () => {
  it('is the empty string, not null, in JSON and YAML', () => {
    expect(parseFieldValue('')).toBe('');
    expect(setField('c.json', '{"name": "x"}\n', 'name', '')).toBe('{"name": ""}\n');
    expect(setField('c.yaml', 'name: x # the name\n', 'name', '')).toBe('name: "" # the name\n');
  });

  it('null, numbers and booleans still read as YAML scalars', () => {
    expect(parseFieldValue('null')).toBeNull();
    expect(parseFieldValue('60')).toBe(60);
    expect(parseFieldValue('true')).toBe(true);
    expect(parseFieldValue(' ')).toBe(' ');
  });
});
