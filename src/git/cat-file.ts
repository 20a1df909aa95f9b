// One long-lived `git cat-file --batch-command` per cache repository, for the questions forge asks
// object by object: is this commit (and its tree) here, what is in this blob. isomorphic-git
// answers them by loading and checksumming the repository's whole pack (24,000 files: 63 MB in
// memory and 90 ms of SHA-1 per pull); git reads only what is asked. Objects fetched after the
// process started are found too (git looks at the pack folder again before saying "missing").
//
// The process is referenced only while a question waits, so it never keeps forge from exiting,
// and is ended when forge exits. Any failure of the process makes every question answer null:
// the caller asks isomorphic-git instead.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ObjectReader {
  /** Whether the object `name` (any revision syntax, e.g. COMMIT^{tree}) is present; null when git cannot say. */
  has(name: string): Promise<boolean | null>;
  /** The content of object `oid`, null when missing or when git cannot say. */
  contents(oid: string): Promise<Buffer | null>;
}

interface Question {
  kind: 'info' | 'contents';
  resolve(answer: { present: boolean; content: Buffer | null } | null): void;
}

const readers = new Set<ChildProcessByStdio<Writable, Readable, null>>();
process.once('exit', () => {
  for (const child of readers) child.kill();
});

export function createObjectReader(gitdir: string): ObjectReader {
  let child: ChildProcessByStdio<Writable, Readable, null> | null = null;
  let dead = false;
  const waiting: Question[] = [];
  let buffered: Buffer = Buffer.alloc(0);

  const fail = () => {
    dead = true;
    for (const q of waiting.splice(0)) q.resolve(null);
    if (child) readers.delete(child);
  };

  /** Takes complete answers off the front of the output. */
  const drain = () => {
    while (waiting.length > 0) {
      const nl = buffered.indexOf(0x0a);
      if (nl < 0) return;
      const header = buffered.subarray(0, nl).toString('latin1');
      const q = waiting[0]!;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        buffered = buffered.subarray(nl + 1);
        waiting.shift();
        q.resolve({ present: false, content: null });
        continue;
      }
      const match = /^[0-9a-f]{40,64} \S+ (\d+)$/.exec(header);
      if (!match) return fail();
      if (q.kind === 'info') {
        buffered = buffered.subarray(nl + 1);
        waiting.shift();
        q.resolve({ present: true, content: null });
        continue;
      }
      const size = Number(match[1]);
      if (buffered.length < nl + 1 + size + 1) return; // the rest of the content is on its way
      const content = Buffer.from(buffered.subarray(nl + 1, nl + 1 + size));
      buffered = buffered.subarray(nl + 1 + size + 1);
      waiting.shift();
      q.resolve({ present: true, content });
    }
    if (waiting.length === 0 && child) {
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
    }
  };

  const start = () => {
    const proc = spawn('git', [`--git-dir=${gitdir}`, 'cat-file', '--batch-command'], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    readers.add(proc);
    proc.on('error', fail);
    proc.on('close', fail);
    proc.stdin.on('error', fail);
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      drain();
    });
    return proc;
  };

  const ask = (kind: Question['kind'], name: string) =>
    new Promise<{ present: boolean; content: Buffer | null } | null>((resolve) => {
      if (dead || /[\n\r]/.test(name)) return resolve(null);
      child ??= start();
      child.ref();
      (child.stdout as unknown as { ref?: () => void }).ref?.();
      waiting.push({ kind, resolve });
      child.stdin.write(`${kind} ${name}\n`);
    });

  return {
    async has(name) {
      const answer = await ask('info', name);
      return answer === null ? null : answer.present;
    },
    async contents(oid) {
      const answer = await ask('contents', oid);
      return answer?.content ?? null;
    },
  };
}
