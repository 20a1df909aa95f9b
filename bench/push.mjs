// Push of a 1,000-file component: forge's git adapter (createCommit + push) next to native git
// doing the same from the same kind of shallow object cache (a temporary index, write-tree,
// commit-tree, push). Run after `npm run build`:
//
//   node bench/push.mjs            # BENCH_RUNS (default 5) runs each, medians printed
//
// Fixture: one upstream with components/big (1,000 files of ~2 KB) and 2,000 other files,
// tag v1.0.0, served by bench/git-server.mjs in its own process. The local copy of the component
// differs in 50 changed, 5 added and 5 deleted files. Each run pushes a new commit (its own
// timestamp) to its own new branch. Timed: reading the local folder, building the commit, pushing.
// Also printed: forge with native git turned off (isomorphic-git only, the fallback).

import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { content, FILES, makeUpstream, PATH } from './sync-push.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const work = join(here, '.work', `push-${process.pid}`);
const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '5', 10) || 5);
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(Buffer.concat(out).toString().trim()) : fail(new Error(`${command} ${args.join(' ')}: ${Buffer.concat(err)}`))));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

async function makeLocal(root) {
  const dir = join(root, 'local');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    if (i >= FILES - 5) continue; // 5 deleted
    await writeFile(join(dir, `f${String(i).padStart(4, '0')}.ts`), i < 50 ? content(i, ' changed') : content(i));
  }
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `new${i}.ts`), content(i, ' new'));
  return dir;
}

async function readFolder(dir) {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (name) => ({ name, content: await readFile(join(dir, name)) })));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  await mkdir(work, { recursive: true });
  const server = spawn(process.execPath, [join(here, 'git-server.mjs'), work], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const bare = await makeUpstream(work);
    const local = await makeLocal(work);
    const { url: base } = await new Promise((done) => server.stdout.once('data', (d) => done(JSON.parse(d.toString()))));
    const url = `${base}/up.git`;
    const parent = await run('git', ['--git-dir', bare, 'rev-parse', 'v1.0.0^{commit}']);
    const { createGitAdapter } = await import(join(here, '..', 'dist', 'git', 'git-adapter.js'));

    // Native git: a shallow bare cache with the tag, as forge's object cache holds it.
    const nativeCache = join(work, 'native.git');
    await run('git', ['init', '-q', '--bare', nativeCache]);
    await run('git', ['--git-dir', nativeCache, 'fetch', '-q', '--depth=1', url, '+refs/tags/v1.0.0:refs/tags/v1.0.0']);
    const nativeRun = async (n) => {
      const started = performance.now();
      const index = join(work, `index-${n}`);
      const e = { GIT_INDEX_FILE: index, GIT_DIR: nativeCache, GIT_WORK_TREE: local };
      await run('git', ['read-tree', parent], { env: e });
      await run('git', ['rm', '-r', '-q', '--cached', '--', PATH], { env: e });
      const names = (await readdir(local)).sort();
      const blobs = (await run('git', ['hash-object', '-w', '--stdin-paths'], { env: e, input: names.map((f) => join(local, f)).join('\n') + '\n' })).split('\n');
      await run('git', ['update-index', '--add', '--index-info'], { env: e, input: names.map((f, i) => `100644 ${blobs[i]}\t${PATH}/${f}\n`).join('') });
      const tree = await run('git', ['write-tree'], { env: e });
      const ident = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_AUTHOR_DATE: `${1700000100 + n} +0000`, GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x', GIT_COMMITTER_DATE: `${1700000100 + n} +0000` };
      const commit = await run('git', ['commit-tree', tree, '-p', parent, '-m', 'push'], { env: { ...e, ...ident } });
      await run('git', ['push', '-q', url, `${commit}:refs/heads/native-${n}`], { env: e });
      return performance.now() - started;
    };

    const forgeRun = (nativeGit) => async (n) => {
      const cacheDir = join(work, `cache-${nativeGit}`);
      const port = createGitAdapter({ cacheDir, nativeGit });
      await port.ensureCommits(url, [{ commit: parent, ref: 'refs/tags/v1.0.0' }]);
      const started = performance.now();
      const files = await readFolder(local);
      const changes = [{ action: 'delete', path: PATH }, ...files.map((f) => ({ action: 'write', path: `${PATH}/${f.name}`, mode: '100644', content: f.content }))];
      const author = { name: 'b', email: 'b@x', timestamp: 1700000100 + n + (nativeGit ? 1000 : 2000), timezoneOffset: 0 };
      const made = await port.createCommit(url, { parent, changes, message: 'push', author });
      await port.push(url, { remote: url, commit: made.commit, branch: `forge-${nativeGit}-${n}`, expect: null });
      return performance.now() - started;
    };

    const rows = [
      ['native git (index, commit-tree, push)', nativeRun],
      ['forge (native fast-import + pack-objects)', forgeRun(true)],
      ['forge (isomorphic-git only)', forgeRun(false)],
    ];
    const results = new Map();
    for (const [label] of rows) results.set(label, []);
    for (let n = 0; n < RUNS; n++) {
      for (const [label, fn] of rows) results.get(label).push(await fn(n));
    }
    const nativeMs = median(results.get(rows[0][0]));
    console.log(`push of a ${FILES}-file component (${RUNS} runs, median):`);
    for (const [label] of rows) {
      const ms = median(results.get(label));
      console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / nativeMs).toFixed(2)}x`);
    }
    await run('git', ['--git-dir', bare, 'fsck', '--no-dangling']);
  } finally {
    server.stdin.end();
    server.kill();
    if (process.env.BENCH_KEEP !== '1') await rm(work, { recursive: true, force: true });
  }
}

await main();
