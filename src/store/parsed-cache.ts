// forge.yaml and forge.lock.yaml, parsed once per change of their text rather than once per command.
//
// The YAML parser costs more than the rest of `forge sync status --offline` together: about 35 ms
// of cold, generator-heavy parsing for the 11 KB of a 24-component workspace, and several times
// that for 240 components. So the stores keep each validated result as JSON in .forge/parsed/,
// keyed by the SHA-1 of the text it came from: reading and hashing the file is a fraction of a
// millisecond, and a key of the content (not of stat data) has no racy window at all. Whatever is
// wrong with the cache (missing, damaged, another version, read-only) means parsing again: a
// cache only ever saves time.
//
// `canonical` records that the text is byte for byte what forge writes for the value (known when
// forge wrote it), so the lock store can skip serializing a lock that would not change the file.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// 2: forge.yaml and the lock gained include/exclude and blob/mode (a parse by an older forge lacks them).
const VERSION = 2;

export interface Parsed<T> {
  value: T;
  canonical: boolean;
}

export interface ParsedCache<T> {
  /** The value parsed from exactly `text`, or null when not known. */
  get(text: string): Parsed<T> | null;
  put(text: string, value: T, canonical: boolean): void;
}

interface CacheFile {
  version: number;
  sha1: string;
  canonical: boolean;
  value: unknown;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Reads remembered in memory until forge writes into .forge/parsed/ in this process: by file. */
const waiting = new Map<string, () => void>();

/** A cache kept in `file` (e.g. .forge/parsed/forge.lock.yaml.json); null keeps it in memory only. */
export function createParsedCache<T>(file: string | null): ParsedCache<T> {
  /** The last entry read or written, as JSON (each get() returns a fresh copy). */
  let known: { sha1: string; canonical: boolean; json: string } | null = null;

  function load(): void {
    if (known !== null || file === null) return;
    try {
      const text = readFileSync(file, 'utf8');
      const parsed = JSON.parse(text) as CacheFile;
      if (parsed.version === VERSION && typeof parsed.sha1 === 'string') {
        known = { sha1: parsed.sha1, canonical: parsed.canonical === true, json: JSON.stringify(parsed.value) };
      }
    } catch {
      // none yet, or unreadable: parse instead
    }
  }

  return {
    get(text) {
      load();
      if (known === null || known.sha1 !== sha1(text)) return null;
      return { value: JSON.parse(known.json) as T, canonical: known.canonical };
    },
    put(text, value, canonical) {
      const entry = { sha1: sha1(text), canonical, json: JSON.stringify(value) };
      const unchanged = known !== null && known.sha1 === entry.sha1 && known.canonical === canonical && known.json === entry.json;
      known = entry;
      if (unchanged || file === null) return;
      const target = file;
      const write = () => {
        const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        try {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(temp, `{"version":${VERSION},"sha1":"${entry.sha1}","canonical":${canonical},"value":${entry.json}}`);
          renameSync(temp, target);
        } catch {
          rmSync(temp, { force: true });
        }
      };
      // A read never makes .forge/parsed/ (a command that fails on bad input leaves .forge/ as it
      // was); forge's own writes do, and then what this process read goes there too (a cold
      // pull read forge.yaml before it wrote the lock).
      waiting.delete(target);
      if (!canonical && !existsSync(dirname(target))) {
        waiting.set(target, write);
        return;
      }
      write();
      for (const [other, pending] of [...waiting]) {
        if (dirname(other) !== dirname(target)) continue;
        waiting.delete(other);
        pending();
      }
    },
  };
}

/** A value as it comes back from JSON (no undefined properties), for comparing with a cached one. */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
