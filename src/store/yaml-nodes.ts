// Small helpers over the yaml Document API: read scalars as the user wrote them (so
// `commit: 0123...` or `version: 1.10` never turn into numbers) and find the line of a node.

import { isScalar, parseDocument, LineCounter, type Document, type Pair, type YAMLMap } from 'yaml';
import type { ErrorCode } from '../errors.js';
import type { FileProblem } from './problems.js';

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses one YAML document, keeping duplicate keys so we can report them with their lines. */
export function parseYaml(text: string, code: ErrorCode = 'E_MANIFEST_INVALID'): { parsed: ParsedYaml; syntax: FileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: true, keepSourceTokens: false });
  const sourceLines = text.split(/\r?\n/);
  const syntax = doc.errors.map((error): FileProblem => {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    const what = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    const sourceLine = sourceLines[pos.line - 1] ?? '';
    // `version: *` is the most common trap: a bare * starts a YAML alias.
    const hint = /:\s*\*\s*(#.*)?$/.test(sourceLine) ? "; a bare * must be quoted: '*'" : '; check indentation, colons and quotes';
    return { line: pos.line, column: pos.col, component: null, field: null, message: `YAML syntax error: ${what}${hint}`, code };
  });
  return { parsed: { doc, lines }, syntax };
}

export function lineOf(lines: LineCounter, node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!range) return 0;
  return lines.linePos(range[0]).line;
}

/** The line of a pair: its key's line (a value may start on a later line). */
export function pairLine(lines: LineCounter, pair: Pair<unknown, unknown>): number {
  return lineOf(lines, pair.key) || lineOf(lines, pair.value);
}

export type ScalarRead = { kind: 'missing' } | { kind: 'null' } | { kind: 'text'; text: string } | { kind: 'not-scalar' };

/** A scalar as written in the file; numbers and booleans keep their source text. */
export function readScalar(node: unknown): ScalarRead {
  if (node === undefined) return { kind: 'missing' };
  if (node === null) return { kind: 'null' };
  if (!isScalar(node)) return { kind: 'not-scalar' };
  if (node.value === null || node.value === undefined) return { kind: 'null' };
  if (typeof node.value === 'string') return { kind: 'text', text: node.value };
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || typeof node.value === 'bigint') {
    return { kind: 'text', text: node.source ?? String(node.value) };
  }
  return { kind: 'text', text: String(node.value) };
}

export function keyText(pair: Pair<unknown, unknown>): string | null {
  const read = readScalar(pair.key);
  return read.kind === 'text' ? read.text : null;
}

export function findPair(map: YAMLMap<unknown, unknown>, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((pair) => keyText(pair) === key);
}
