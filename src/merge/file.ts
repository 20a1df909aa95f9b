// Per-file three-way merge: presence, executable bit and content, the way git decides them,
// with YAML/JSON files given a field-level second chance and a parse/validation check.

import type { ConflictType, FileMode } from '../core/model.js';
import { mergeStructured, structuredFormat, yamlProblem } from './structured.js';
import { mergeText } from './text.js';

/** One side of a file: absent sides are null. */
export interface FileSide {
  mode: FileMode;
  content: Uint8Array;
}

export type FileConflictType = Extract<ConflictType, 'content' | 'schema'>;

export type FileMergeResult =
  | { status: 'clean'; result: FileSide | null }
  | {
      status: 'conflict';
      type: FileConflictType;
      message: string;
      /** What to leave in the folder: text with markers, the local side for binary files, the surviving side for modify/delete. */
      result: FileSide | null;
      binary: boolean;
    };

export interface FileMergeOptions {
  /** Checks a merged text (e.g. component.yaml's shape); returns a problem message or null. */
  validate?: ((path: string, text: string) => string | null) | undefined;
}

/** git's rule: a NUL byte in the first 8000 bytes makes a file binary. */
export function isBinaryContent(content: Uint8Array): boolean {
  const end = Math.min(content.length, 8000);
  for (let i = 0; i < end; i++) if (content[i] === 0) return true;
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSide(a: FileSide | null, b: FileSide | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mode === b.mode && sameBytes(a.content, b.content);
}

/** Bytes as a string of char codes 0-255, so the line merge works on bytes exactly as git does. */
function bytesToString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

function stringToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

function threeWayMode(base: FileMode | null, local: FileMode, upstream: FileMode): FileMode | null {
  if (local === upstream) return local;
  if (base === local) return upstream;
  if (base === upstream) return local;
  return null;
}

function conflict(type: FileConflictType, message: string, result: FileSide | null, binary = false): FileMergeResult {
  return { status: 'conflict', type, message, result, binary };
}

/** A merged YAML/JSON (or validated) text that no longer parses or validates is a schema conflict. */
function schemaProblem(path: string, text: string, options: FileMergeOptions): string | null {
  const format = structuredFormat(path);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      return `${path} is not valid JSON after merging: ${(error as Error).message}`;
    }
  } else if (format === 'yaml') {
    const problem = yamlProblem(text);
    if (problem) return `${path} does not parse after merging: ${problem}`;
  }
  const invalid = options.validate?.(path, text) ?? null;
  return invalid === null ? null : `${path} is not valid after merging: ${invalid}`;
}

/**
 * Three-way merge of one file. Sides are null where the file is absent. Clean results say what
 * the file becomes (null: deleted); conflicts say what to leave in the folder and why.
 */
export function mergeFile(
  path: string,
  base: FileSide | null,
  local: FileSide | null,
  upstream: FileSide | null,
  options: FileMergeOptions = {},
): FileMergeResult {
  if (sameSide(local, upstream)) return { status: 'clean', result: local };
  if (sameSide(base, local)) return { status: 'clean', result: upstream };
  if (sameSide(base, upstream)) return { status: 'clean', result: local };

  if (local === null || upstream === null) {
    const kept = (local ?? upstream)!;
    const message = local === null ? `${path} was deleted locally and changed upstream` : `${path} was changed locally and deleted upstream`;
    return conflict('content', message, kept, isBinaryContent(kept.content));
  }

  const mode = threeWayMode(base?.mode ?? null, local.mode, upstream.mode);
  const modeMessage = mode === null ? `${path} changed mode on both sides (local ${local.mode}, upstream ${upstream.mode})` : null;
  const resultMode = mode ?? local.mode;
  const added = base === null;

  let content: Uint8Array;
  const baseContent = base?.content ?? new Uint8Array();
  if (sameBytes(local.content, upstream.content)) content = local.content;
  else if (!added && sameBytes(baseContent, local.content)) content = upstream.content;
  else if (!added && sameBytes(baseContent, upstream.content)) content = local.content;
  else {
    const binary = [baseContent, local.content, upstream.content].some(isBinaryContent);
    if (binary || local.mode === '120000' || upstream.mode === '120000') {
      const what = binary ? 'Binary file' : 'Symbolic link';
      const message = added ? `${what} ${path} was added on both sides with different content` : `${what} ${path} changed on both sides`;
      return conflict('content', modeMessage ? `${message}; ${modeMessage}` : message, local, binary);
    }
    const merged = mergeText(bytesToString(baseContent), bytesToString(local.content), bytesToString(upstream.content));
    let text: string | null = merged.conflicts === 0 ? utf8.decode(stringToBytes(merged.text)) : null;
    if (text === null && structuredFormat(path) !== null) {
      text = mergeStructured(path, utf8.decode(baseContent), utf8.decode(local.content), utf8.decode(upstream.content));
    }
    if (text === null) {
      const hunks = `${merged.conflicts} conflicting hunk${merged.conflicts === 1 ? '' : 's'}`;
      const message = added ? `${path} was added on both sides with different content (${hunks})` : `Merge conflict in ${path} (${hunks})`;
      return conflict('content', modeMessage ? `${message}; ${modeMessage}` : message, { mode: resultMode, content: stringToBytes(merged.text) });
    }
    const written = structuredFormat(path) !== null && merged.conflicts > 0 ? utf8Encoder.encode(text) : stringToBytes(merged.text);
    const problem = schemaProblem(path, text, options);
    if (problem) return conflict('schema', problem, { mode: resultMode, content: written });
    content = written;
  }
  if (modeMessage) return conflict('content', modeMessage, { mode: resultMode, content });
  return { status: 'clean', result: { mode: resultMode, content } };
}
