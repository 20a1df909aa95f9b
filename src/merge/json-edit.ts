// Setting one field of a JSON text by editing the text, not by re-serialising the document:
// every byte outside the changed value stays as it was (spacing, key order, a one-line file on
// one line). A new key is written in the style of the object it goes into: inline in a one-line
// object, on its own line with the siblings' indentation in a multi-line one.

type Scalar = string | number | boolean | null;

type JsonNode =
  | { kind: 'object'; start: number; end: number; members: { key: string; keyStart: number; value: JsonNode }[] }
  | { kind: 'array'; start: number; end: number }
  | { kind: 'scalar'; start: number; end: number; value: Scalar };

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    throw new Error(`${what} at line ${line}`);
  }

  space(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(): JsonNode {
    this.space();
    const start = this.pos;
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') {
      this.pos++;
      this.space();
      if (this.text[this.pos] === ']') this.pos++;
      else
        for (;;) {
          this.value();
          this.space();
          const next = this.text[this.pos++];
          if (next === ']') break;
          if (next !== ',') this.fail('expected , or ]');
        }
      return { kind: 'array', start, end: this.pos };
    }
    if (ch === '"') {
      const raw = this.string();
      return { kind: 'scalar', start, end: this.pos, value: raw };
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos));
    if (!literal) this.fail('unexpected character');
    this.pos += literal[0].length;
    return { kind: 'scalar', start, end: this.pos, value: JSON.parse(literal[0]) as Scalar };
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    if (this.text[this.pos] !== '"') this.fail('unterminated string');
    this.pos++;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  object(): JsonNode {
    const start = this.pos;
    this.pos++;
    const members: { key: string; keyStart: number; value: JsonNode }[] = [];
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', start, end: this.pos, members };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail('expected a key');
      const keyStart = this.pos;
      const key = this.string();
      this.space();
      if (this.text[this.pos++] !== ':') this.fail('expected :');
      members.push({ key, keyStart, value: this.value() });
      this.space();
      const next = this.text[this.pos++];
      if (next === '}') break;
      if (next !== ',') this.fail('expected , or }');
    }
    return { kind: 'object', start, end: this.pos, members };
  }
}

/** The indentation of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

interface Style {
  /** Text after `:` (`' '` or `''`). */
  colon: string;
  /** Text after `,` in a one-line object. */
  comma: string;
  /** One level of indentation in a multi-line object. */
  unit: string;
}

function render(keys: readonly string[], value: Scalar, style: Style, multiline: boolean, indent: string): string {
  if (keys.length === 0) return JSON.stringify(value);
  const [first, ...rest] = keys;
  const inner = indent + style.unit;
  const member = `${JSON.stringify(first)}:${style.colon}${render(rest, value, style, multiline, inner)}`;
  return multiline ? `{\n${inner}${member}\n${indent}}` : `{${member}}`;
}

/**
 * Sets `keys` (a dotted field split) to `value` in a JSON text. Missing objects on the way are
 * created; a value on the way that is not an object is an error, as is a document that is not one.
 */
export function setJsonField(text: string, keys: readonly string[], value: Scalar): string {
  if (text.trim() === '') return `${render(keys, value, { colon: ' ', comma: ' ', unit: '  ' }, true, '')}\n`;
  const reader = new Reader(text);
  const root = reader.value();
  reader.space();
  if (reader.pos !== text.length) reader.fail('unexpected text after the document');
  const firstIndent = /\n([ \t]+)\S/.exec(text)?.[1];
  // A file with no colon (or no comma) yet gets the common `"a": 1, "b": 2`; a compact one stays compact.
  const colon = /"\s*:\s/.test(text) || !/"\s*:/.test(text) ? ' ' : '';
  const style: Style = {
    colon,
    comma: /,/.test(text) ? (/,[ ]/.test(text) ? ' ' : '') : colon,
    unit: firstIndent && firstIndent.length <= 8 ? firstIndent.replace(/^(\t| {2,4}).*$/, '$1') : '  ',
  };
  let node: JsonNode = root;
  for (let i = 0; i < keys.length; i++) {
    if (node.kind !== 'object') throw new Error(`${keys.slice(0, i).join('.') || 'the document'} is not a map`);
    const key = keys[i]!;
    // JSON.parse keeps the last of duplicate keys; so does this edit.
    const member: { key: string; keyStart: number; value: JsonNode } | undefined = node.members.filter((m) => m.key === key).pop();
    if (member && i === keys.length - 1) return text.slice(0, member.value.start) + JSON.stringify(value) + text.slice(member.value.end);
    if (member) {
      node = member.value;
      continue;
    }
    // Insert the missing key (and the objects under it) into this object, in its own style.
    const multiline = text.slice(node.start, node.end).includes('\n');
    const last = node.members[node.members.length - 1];
    if (!multiline) {
      const entry = `${JSON.stringify(key)}:${style.colon}${render(keys.slice(i + 1), value, style, false, '')}`;
      if (!last) return `${text.slice(0, node.start + 1)}${entry}${text.slice(node.end - 1)}`;
      return `${text.slice(0, last.value.end)},${style.comma}${entry}${text.slice(last.value.end)}`;
    }
    const indent = last ? lineIndent(text, last.keyStart) : lineIndent(text, node.start) + style.unit;
    const entry = `${JSON.stringify(key)}:${style.colon}${render(keys.slice(i + 1), value, style, true, indent)}`;
    if (!last) return `${text.slice(0, node.start + 1)}\n${indent}${entry}${text.slice(node.start + 1)}`;
    return `${text.slice(0, last.value.end)},\n${indent}${entry}${text.slice(last.value.end)}`;
  }
  throw new Error('no field given');
}
