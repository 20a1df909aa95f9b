// Field-level three-way merge, field diffs and single-field edits for YAML and JSON files.
// YAML goes through the yaml Document API so comments and layout of the local file survive;
// JSON merges are rewritten with the local file's indentation and key order; a single-field edit
// of JSON changes only the value's text (json-edit.ts).

import { isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, Pair, parse as parseYaml, type Document, type Node as YamlNode } from 'yaml';
import { setJsonField } from './json-edit.js';

export type StructuredFormat = 'yaml' | 'json';

/** The structured format of a file by its name, or null when it is neither YAML nor JSON. */
export function structuredFormat(path: string): StructuredFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  return null;
}

/** The first problem of a YAML text (all its documents), or null when it parses. */
export function yamlProblem(text: string): string | null {
  for (const doc of parseAllDocuments(text)) if (doc.errors.length > 0) return doc.errors[0]!.message;
  return null;
}

/** One field that differs between two versions of a file, for `forge dev diff`. */
export interface FieldChange {
  /** Dotted path, e.g. `config.timeout`. */
  field: string;
  before: unknown;
  after: unknown;
  kind: 'added' | 'removed' | 'changed';
}

const ABSENT = Symbol('absent');
type Value = unknown;
type Slot = Value | typeof ABSENT;
type Key = unknown;

function isPlainMap(v: Slot): v is Map<Key, Value> {
  return v instanceof Map;
}

function deepEqual(a: Slot, b: Slot): boolean {
  if (a === b) return true;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  return false;
}

function plain(v: Value): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function parseValue(path: string, text: string): Value {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
  if (structuredFormat(path) === 'json' && text.trim() !== '') JSON.parse(text);
  return doc.toJS({ mapAsMap: true }) as Value;
}

/** An edit the upstream side brings: set `path` to upstream's value there, or remove it. */
interface Edit {
  path: Key[];
  remove: boolean;
}

/** Collects upstream's edits that apply cleanly over local; false when both changed a field differently. */
function threeWay(path: Key[], base: Slot, local: Slot, upstream: Slot, edits: Edit[]): boolean {
  if (deepEqual(local, upstream) || deepEqual(base, upstream)) return true;
  if (deepEqual(base, local)) {
    edits.push({ path, remove: upstream === ABSENT });
    return true;
  }
  if (isPlainMap(local) && isPlainMap(upstream) && (base === ABSENT || base === null || isPlainMap(base))) {
    const b = isPlainMap(base) ? base : new Map<Key, Value>();
    const keys = new Set<Key>([...b.keys(), ...local.keys(), ...upstream.keys()]);
    let ok = true;
    for (const k of keys) {
      const slot = (m: Map<Key, Value>): Slot => (m.has(k) ? m.get(k) : ABSENT);
      ok = threeWay([...path, k], slot(b), slot(local), slot(upstream), edits) && ok;
    }
    return ok;
  }
  return false;
}

interface YamlLayout {
  indent: number;
  indentSeq: boolean;
  flowCollectionPadding: boolean;
}

/** Reads the layout habits of a YAML text, so rewriting it changes as little as possible. */
function yamlLayout(text: string): YamlLayout {
  let indent = 0;
  for (const m of text.matchAll(/^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n( +)[^\s-]/gm)) {
    const n = m[1]!.length;
    if (indent === 0 || n < indent) indent = n;
  }
  const seqUnderKey = /:[ \t]*(?:#[^\n]*)?\n( *)- /m.exec(text);
  let indentSeq = true;
  if (seqUnderKey) {
    const keyLine = text.slice(0, seqUnderKey.index).split('\n').pop() ?? '';
    const keyIndent = /^ */.exec(keyLine)![0].length;
    indentSeq = seqUnderKey[1]!.length > keyIndent;
  }
  const flowCollectionPadding = !/[[{][^\s\]}]/.test(text.replace(/#[^\n]*/g, '')) || /[[{] \S/.test(text);
  return { indent: indent || 2, indentSeq, flowCollectionPadding };
}

function yamlText(doc: Document, source: string): string {
  return doc.toString({ ...yamlLayout(source), lineWidth: 0 });
}

function collectionAt(doc: Document, path: Key[]): unknown {
  return path.length === 0 ? doc.contents : doc.getIn(path, true);
}

/** Applies upstream's edits to the local YAML document, taking upstream's nodes with their comments. */
function applyYamlEdits(localDoc: Document, upstreamDoc: Document, edits: Edit[]): void {
  for (const edit of edits) {
    const parentPath = edit.path.slice(0, -1);
    const key = edit.path[edit.path.length - 1];
    const parent = collectionAt(localDoc, parentPath);
    if (!isMap(parent)) throw new Error('structured merge: parent is not a map');
    if (edit.remove) {
      parent.delete(key);
      continue;
    }
    const upParent = collectionAt(upstreamDoc, parentPath);
    if (!isMap(upParent)) throw new Error('structured merge: upstream parent is not a map');
    const upIndex = upParent.items.findIndex((p) => keyValue(p.key) === key);
    const upPair = upParent.items[upIndex]!;
    const existing = parent.items.find((p) => keyValue(p.key) === key);
    const value = isNode(upPair.value) ? upPair.value.clone() : upPair.value;
    if (existing) {
      existing.value = value;
      continue;
    }
    // A field upstream added goes after the field it follows upstream, when local has that one.
    const pair = new Pair(isNode(upPair.key) ? upPair.key.clone() : upPair.key, value);
    let at = 0;
    for (let i = upIndex - 1; i >= 0; i--) {
      const prevKey = keyValue(upParent.items[i]!.key);
      const found = parent.items.findIndex((p) => keyValue(p.key) === prevKey);
      if (found !== -1) {
        at = found + 1;
        break;
      }
    }
    parent.items.splice(at, 0, pair);
  }
}

function isNode(v: unknown): v is YamlNode {
  return isScalar(v) || isMap(v) || isSeq(v);
}

function keyValue(k: unknown): unknown {
  return isScalar(k) ? k.value : k;
}

function jsonIndent(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  if (m) return m[1]!;
  return /\n/.test(text.trim()) ? '  ' : '';
}

function jsonString(v: Value, indent: string, depth: number): string {
  const nl = indent ? '\n' : '';
  const pad = indent.repeat(depth + 1);
  const close = indent.repeat(depth);
  if (v instanceof Map) {
    if (v.size === 0) return '{}';
    const parts = [...v].map(([k, x]) => `${pad}${JSON.stringify(String(k))}:${indent ? ' ' : ''}${jsonString(x, indent, depth + 1)}`);
    return `{${nl}${parts.join(`,${nl}`)}${nl}${close}}`;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => pad + jsonString(x, indent, depth + 1)).join(`,${nl}`)}${nl}${close}]`;
  }
  return JSON.stringify(v === undefined ? null : v);
}

function renderJson(value: Value, like: string): string {
  return jsonString(value, jsonIndent(like), 0) + (like.endsWith('\n') ? '\n' : '');
}

function getSlot(root: Value, path: Key[]): Slot {
  let cur: Slot = root;
  for (const k of path) {
    if (!isPlainMap(cur) || !cur.has(k)) return ABSENT;
    cur = cur.get(k);
  }
  return cur;
}

/** Applies upstream's edits to the local JSON value, keeping local key order (new keys after their upstream predecessor). */
function applyJsonEdits(local: Value, upstream: Value, edits: Edit[]): void {
  for (const edit of edits) {
    const parent = getSlot(local, edit.path.slice(0, -1));
    const upParent = getSlot(upstream, edit.path.slice(0, -1));
    const key = edit.path[edit.path.length - 1];
    if (!isPlainMap(parent)) throw new Error('structured merge: parent is not a map');
    if (edit.remove) {
      parent.delete(key);
      continue;
    }
    if (!isPlainMap(upParent)) throw new Error('structured merge: upstream parent is not a map');
    const value = upParent.get(key);
    if (parent.has(key)) {
      parent.set(key, value);
      continue;
    }
    const upKeys = [...upParent.keys()];
    let after: Key | typeof ABSENT = ABSENT;
    for (let i = upKeys.indexOf(key) - 1; i >= 0; i--) {
      if (parent.has(upKeys[i])) {
        after = upKeys[i];
        break;
      }
    }
    const entries = [...parent];
    const at = after === ABSENT ? 0 : entries.findIndex(([k]) => k === after) + 1;
    entries.splice(at, 0, [key, value]);
    parent.clear();
    for (const [k, v] of entries) parent.set(k, v);
  }
}

/**
 * Three-way merge of a YAML or JSON file field by field: maps merge key by key, scalars and
 * sequences count as one value. Returns the merged text (local layout and comments kept), or
 * null when a side does not parse, a file holds several YAML documents, or both sides changed
 * the same field differently.
 */
export function mergeStructured(path: string, base: string, local: string, upstream: string): string | null {
  const format = structuredFormat(path);
  if (format === null) return null;
  let values: [Value, Value, Value];
  try {
    values = [parseValue(path, base), parseValue(path, local), parseValue(path, upstream)];
  } catch {
    return null; // a side that does not parse cannot be merged field by field; the caller reports the conflict
  }
  const edits: Edit[] = [];
  if (!threeWay([], values[0], values[1], values[2], edits)) return null;
  if (edits.length === 0) return local;
  if (edits.some((e) => e.path.length === 0)) return upstream;
  if (format === 'json') {
    applyJsonEdits(values[1], values[2], edits);
    return renderJson(values[1], local);
  }
  const localDoc = parseDocument(local);
  const upstreamDoc = parseDocument(upstream);
  applyYamlEdits(localDoc, upstreamDoc, edits);
  return yamlText(localDoc, local);
}

function changes(prefix: string, before: Slot, after: Slot, out: FieldChange[]): void {
  if (deepEqual(before, after)) return;
  if (isPlainMap(before) && isPlainMap(after)) {
    const keys = [...after.keys(), ...[...before.keys()].filter((k) => !after.has(k))];
    for (const k of keys) {
      const field = prefix ? `${prefix}.${String(k)}` : String(k);
      changes(field, before.has(k) ? before.get(k) : ABSENT, after.has(k) ? after.get(k) : ABSENT, out);
    }
    return;
  }
  out.push({
    field: prefix,
    before: before === ABSENT ? undefined : plain(before),
    after: after === ABSENT ? undefined : plain(after),
    kind: before === ABSENT ? 'added' : after === ABSENT ? 'removed' : 'changed',
  });
}

/**
 * The fields that differ between two versions of a YAML/JSON file, with dotted paths. Throws
 * when either version does not parse.
 */
export function structuredChanges(path: string, before: string, after: string): FieldChange[] {
  const out: FieldChange[] = [];
  changes('', parseValue(path, before), parseValue(path, after), out);
  return out;
}

/** `60` → number, `true` → boolean, `null` → null, anything else (`''` too) stays the string given. */
export function parseFieldValue(value: string): string | number | boolean | null {
  // YAML reads an empty text as null; `--value ''` means the empty string.
  if (value.trim() === '') return value;
  try {
    const v: unknown = parseYaml(value);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  } catch {
    // not a YAML scalar: keep the text as a string
  }
  return value;
}

function fieldPath(field: string): string[] {
  const parts = field.split('.');
  if (parts.some((p) => p === '')) throw new Error(`Invalid field path '${field}'`);
  return parts;
}

/**
 * Sets one field (`a.b.c`) of a YAML or JSON text, creating missing maps, keeping comments and
 * layout (JSON stays valid JSON). Throws when the text does not parse or a parent is not a map.
 */
export function setField(path: string, text: string, field: string, value: string): string {
  const keys = fieldPath(field);
  const parsed = parseFieldValue(value);
  // JSON is edited as text so every byte but the value stays (a one-line file stays one line).
  if (structuredFormat(path) === 'json') return setJsonField(text, keys, parsed);
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  let node: unknown = doc.contents;
  keys.forEach((k, i) => {
    if (!isMap(node)) throw new Error(`${keys.slice(0, i).join('.') || 'the document'} is not a map`);
    if (i === keys.length - 1) return;
    const next = node.get(k, true);
    if (next === undefined || (isScalar(next) && next.value === null)) {
      const created = doc.createNode({});
      node.set(k, created);
      node = created;
    } else node = next;
  });
  if (!isMap(node)) throw new Error(`${keys.slice(0, -1).join('.')} is not a map`);
  const last = keys[keys.length - 1]!;
  const pair = node.items.find((p) => isPair(p) && keyValue(p.key) === last);
  if (pair && isScalar(pair.value)) {
    // Keep the scalar node so its comment stays; quoting only makes sense for strings.
    pair.value.value = parsed;
    if (typeof parsed !== 'string') delete pair.value.type;
  } else {
    node.set(last, parsed);
  }
  return yamlText(doc, text);
}
