// forge next to native git: `npm run bench` (builds, then runs this file).
//
//   node bench/run.mjs [--shape 2400|24000|many|all] [--runs N] [--only startup,cold,noop,status]
//
// Shapes (--shape, or BENCH_SHAPE; several with commas; default 2400):
//   2400    6 upstream repositories, 4 components of 100 files each: 2,400 files installed
//   24000   6 upstream repositories, 4 components of 1,000 files each: 24,000 files installed
//   many    60 upstream repositories, 4 components of 10 files each: 240 components, 2,400 files
// Each upstream is built with `git fast-import` (300 commits, tags v1.0.0..v1.9.0, more files
// outside the components than in them) and served over smart HTTP on 127.0.0.1 by
// `git http-backend` from a separate process (bench/git-server.mjs). The workspace lists every
// component (`version: ^1.0.0`).
//
// Rows (median of BENCH_RUNS runs, default 3; at least 5 for the quick ones; each forge sample is
// taken in turn with the native one it is compared with, so a drifting machine moves both):
//   start-up         forge --version                               vs  node -e 0
//   cold pull        forge sync pull --all, fresh cache and folder  vs  parallel `git clone --depth 1
//                    --branch TAG --no-checkout` + `git archive TAG PATH | tar -x` per repository
//                    (and the same with FORGE_NATIVE_GIT=0: isomorphic-git only, for information)
//   no-op pull       forge sync pull --all, all up to date          vs  parallel `git ls-remote --tags`
//   status           forge sync status --all --offline, the first run after each cold pull and a
//                    later one, minus a forge --version run right beside it
//                                                                 vs  `git status --porcelain` over
//                    the same files in a git repository (and with no stat cache, for information)
// Every row shows wall time and CPU time (user + system, with every child process waited for) of
// both sides, and forge's peak RSS (bench/rusage.py, else /usr/bin/time, else bench/measure.mjs);
// the size of .forge/state.json after the cold pull and after the whole run is printed.
//
// Environment: BENCH_SHAPE, BENCH_RUNS, BENCH_ONLY, BENCH_KEEP=1 (keep bench/.work/),
// BENCH_PROFILE=DIR (every forge run with --cpu-prof into DIR), BENCH_DEBUG=1 (fixture times).
// Exit code 0 whatever the figures (it is a measurement); 1 when something failed to run.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..');
const forgeBin = join(projectRoot, 'bin', 'run.js');
const workRoot = join(here, '.work', `run-${process.pid}`);

const { values: cli } = parseArgs({
  options: { shape: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } },
  allowPositionals: false,
});
const RUNS = Math.max(1, Number.parseInt(cli.runs ?? process.env.BENCH_RUNS ?? '3', 10) || 3);
const QUICK_RUNS = Math.max(RUNS, 5);
const KEEP = process.env.BENCH_KEEP === '1';
const PROFILE_DIR = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : null;
const ONLY = new Set((cli.only ?? process.env.BENCH_ONLY ?? 'startup,cold,noop,status').split(',').map((s) => s.trim()));

const SHAPES = {
  2400: { name: '2400', repos: 6, componentsPerRepo: 4, filesPerComponent: 100, filesPerRepo: 2000 },
  24000: { name: '24000', repos: 6, componentsPerRepo: 4, filesPerComponent: 1000, filesPerRepo: 6000 },
  many: { name: 'many', repos: 60, componentsPerRepo: 4, filesPerComponent: 10, filesPerRepo: 200 },
};
const shapeArg = cli.shape ?? process.env.BENCH_SHAPE ?? '2400';
const shapeNames = shapeArg === 'all' ? Object.keys(SHAPES) : shapeArg.split(',').map((s) => s.trim());
for (const name of shapeNames) if (!SHAPES[name]) throw new Error(`unknown shape ${name}: use 2400, 24000, many or all`);

/** The shape being measured (fixtures and scenarios read it). */
let shape = SHAPES[2400];
const COMMITS = 300;
const TAG_EVERY = 30; // v1.0.0 at commit 30 ... v1.9.0 at commit 300
const LAST_TAG = `v1.${COMMITS / TAG_EVERY - 1}.0`;

const log = (...args) => console.error(...args);

// --- processes ---------------------------------------------------------------------------

/** Asynchronous spawn; resolves with exit code, output and wall time (ms). */
function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result = { code: code ?? 1, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started };
      if (options.check !== false && result.code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${result.code}${signal ? ` (${signal})` : ''}\n${result.stderr.slice(-3000)}${result.stdout.slice(-2000)}`));
      } else resolvePromise(result);
    });
    if (options.input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@forge.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@forge.invalid',
};
const git = (args, options = {}) => run('git', args, { env: gitEnv, ...options });
const sh = (script, options = {}) => run('sh', ['-c', script], { env: gitEnv, ...options });

let timeBin = null;
let profileSeq = 0;

/**
 * Runs a command and measures it: wall time (ms), and with /usr/bin/time its CPU time (user +
 * system of it and every child it waited for, ms) and peak RSS (KiB, the largest process). CPU
 * time says more than wall time on a shared machine, where waiting for a core is most of it.
 */
async function measured(command, args, options = {}) {
  const file = join(workRoot, `time-${process.pid}-${++measureSeq}.txt`);
  const result =
    timeBin === 'python3'
      ? await run('python3', [fileURLToPath(new URL('./rusage.py', import.meta.url)), file, command, ...args], { ...options, check: false })
      : timeBin
        ? await run(timeBin, ['-f', '%M %U %S', '-o', file, command, ...args], { ...options, check: false })
        : await run(command, args, { ...options, check: false });
  const text = timeBin ? await readFile(file, 'utf8').catch(() => '') : '';
  await rm(file, { force: true });
  const [rss, user, system, wall] = (text.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return {
    ...result,
    // rusage.py times the command itself, not its own start (python's 20-100 ms would sit on both sides).
    ...(Number.isFinite(wall) ? { ms: wall * 1000 } : {}),
    rssKiB: Number.isFinite(rss) ? rss : null,
    cpuMs: Number.isFinite(user) && Number.isFinite(system) ? (user + system) * 1000 : null,
  };
}
let measureSeq = 0;

/** `node bin/run.js ARGS` in `cwd`: wall time, CPU time and peak RSS. */
async function forge(args, cwd, extraEnv = {}) {
  const env = { ...process.env, CI: '1', NO_COLOR: '1', ...extraEnv };
  for (const name of ['GH_TOKEN', 'GITHUB_TOKEN', 'FORGE_TOKEN']) delete env[name];
  const nodeArgs = [];
  if (PROFILE_DIR) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${String(++profileSeq).padStart(3, '0')}-${args.slice(0, 2).join('-')}.cpuprofile`);
  let result;
  if (timeBin) result = await measured(process.execPath, [...nodeArgs, forgeBin, ...args], { cwd, env });
  else {
    const rssFile = join(workRoot, `rss-${process.pid}-${++measureSeq}.txt`);
    env.FORGE_BENCH_RSS_FILE = rssFile;
    result = await run(process.execPath, ['--import', new URL('./measure.mjs', import.meta.url).href, ...nodeArgs, forgeBin, ...args], { cwd, env, check: false });
    const rss = Number.parseInt((await readFile(rssFile, 'utf8').catch(() => '')).trim(), 10);
    await rm(rssFile, { force: true });
    result = { ...result, rssKiB: Number.isFinite(rss) ? rss : null, cpuMs: null };
  }
  if (result.code !== 0) throw new Error(`forge ${args.join(' ')} exited with ${result.code}\n${result.stderr.slice(-3000)}${result.stdout.slice(-3000)}`);
  return result;
}

// --- fixtures ----------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'const let function return if else for while await async import export from default class interface type ' +
  'string number boolean null undefined true false new this value result error options config items item index ' +
  'count total name path file folder repository component version range commit tree blob status pull push merge ' +
  'conflict local upstream remote fetch cache lock state history entry entries map set list array object key data ' +
  'request response server client token header body length offset buffer stream chunk read write open close ' +
  'the a an of to in on for with is are be by that this it as at or and not when then only each every all'
).split(' ');
const PUNCT = ['(', ')', '{', '}', ';', ',', '.', ' = ', ' => ', ': ', '[', ']', ' + ', ' && ', ' || '];

/** A text file of about `size` bytes: code-ish lines, compresses like source (about 3-4x). */
function textContent(rng, size, header) {
  const lines = [header];
  let length = header.length + 1;
  let depth = 0;
  while (length < size) {
    const n = 3 + Math.floor(rng() * 10);
    let line = '  '.repeat(depth);
    for (let i = 0; i < n; i++) {
      line += WORDS[Math.floor(rng() * WORDS.length)];
      line += rng() < 0.3 ? PUNCT[Math.floor(rng() * PUNCT.length)] : ' ';
    }
    if (rng() < 0.05) line += String(Math.floor(rng() * 1e6));
    const r = rng();
    if (r < 0.15 && depth < 5) depth++;
    else if (r < 0.3 && depth > 0) depth--;
    lines.push(line.trimEnd());
    length += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function binaryContent(rng, size) {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (rng() * 256) | 0;
  bytes.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
  return bytes;
}

/** Log-normal-ish text size: median about 2.5 KB, a few tens of KB. */
function textSize(rng) {
  const u = rng() + rng() + rng() - 1.5; // about normal, sd 0.5
  return Math.min(60_000, Math.max(80, Math.round(2500 * Math.exp(u * 2))));
}

const TEXT_EXTS = ['ts', 'ts', 'ts', 'js', 'md', 'json', 'yaml', 'py', 'txt'];

function newFile(rng, path, rev) {
  if (/\.(png|bin)$/.test(path)) return { mode: '100644', content: binaryContent(rng, 4000 + Math.floor(rng() * 60_000)) };
  const mode = path.endsWith('.sh') ? '100755' : '100644';
  const header = path.endsWith('.sh') ? '#!/bin/sh' : `// ${path} r${rev}`;
  return { mode, content: textContent(rng, textSize(rng), header) };
}

function layout(rng, repoIndex) {
  const files = new Map();
  const add = (path) => files.set(path, newFile(rng, path, 0));
  for (let c = 0; c < shape.componentsPerRepo; c++) {
    const base = `components/c${c}`;
    files.set(`${base}/component.yaml`, { mode: '100644', content: Buffer.from(`name: repo${repoIndex}-c${c}\ndescription: Bench component ${c} of repo ${repoIndex}.\nconfig:\n  timeout: 30\n`) });
    add(`${base}/README.md`);
    add(`${base}/assets/logo.png`);
    for (let i = 0; i < 4; i++) add(`${base}/scripts/task${i}.sh`);
    let n = files.size;
    for (let i = 0; files.size - n < shape.filesPerComponent - 7; i++) {
      const dir = ['src', 'src/lib', 'src/util', 'prompts', 'schemas', 'test'][i % 6];
      add(`${base}/${dir}/f${i}.${TEXT_EXTS[Math.floor(rng() * TEXT_EXTS.length)]}`);
    }
    n = files.size;
  }
  let i = 0;
  while (files.size < shape.filesPerRepo) {
    const top = ['src', 'src', 'lib', 'docs', 'test', 'tools', 'examples'][i % 7];
    const path = `${top}/m${Math.floor(i / 25) % 40}/${i % 3 === 0 ? 'deep/' : ''}f${i}`;
    if (i % 200 === 7) add(`${path}.bin`);
    else if (i % 40 === 3) add(`${path}.sh`);
    else add(`${path}.${TEXT_EXTS[Math.floor(rng() * TEXT_EXTS.length)]}`);
    i++;
  }
  add('README.md');
  add('package.json');
  return files;
}

/** Replace a few lines of a text file (or the whole of a binary one). */
function editFile(rng, path, file, rev) {
  if (path.endsWith('/component.yaml')) return { mode: file.mode, content: Buffer.concat([file.content, Buffer.from(`# r${rev}\n`)]) };
  if (/\.(png|bin)$/.test(path)) return newFile(rng, path, rev);
  const lines = file.content.toString().split('\n');
  const at = 1 + Math.floor(rng() * Math.max(1, lines.length - 2));
  const removed = Math.floor(rng() * 6);
  const inserted = textContent(rng, 40 + Math.floor(rng() * 400), `  // r${rev}`).toString().replace(/\n$/, '').split('\n');
  lines.splice(at, removed, ...inserted);
  return { mode: file.mode, content: Buffer.from(lines.join('\n')) };
}

function fastImportStream(repoIndex) {
  const rng = mulberry32(0x5eed + repoIndex * 7919);
  const files = layout(rng, repoIndex);
  const parts = [];
  const push = (s) => parts.push(typeof s === 'string' ? Buffer.from(s) : s);
  const data = (buf) => {
    push(`data ${buf.length}\n`);
    push(buf);
    push('\n');
  };
  const t0 = 1_700_000_000;
  const paths = () => [...files.keys()];
  let allPaths = paths();
  for (let n = 1; n <= COMMITS; n++) {
    const when = t0 + n * 3600;
    push(`commit refs/heads/main\nmark :${n}\n`);
    push(`author Dev ${n % 5} <dev${n % 5}@upstream.invalid> ${when} +0000\ncommitter Dev ${n % 5} <dev${n % 5}@upstream.invalid> ${when} +0000\n`);
    const changes = [];
    if (n === 1) {
      for (const [path, file] of files) changes.push(['M', path, file]);
    } else {
      const edits = 1 + Math.floor(rng() * 6);
      for (let e = 0; e < edits; e++) {
        let path;
        if (rng() < 0.3) {
          const c = Math.floor(rng() * shape.componentsPerRepo);
          const inComponent = allPaths.filter((p) => p.startsWith(`components/c${c}/`));
          path = inComponent[Math.floor(rng() * inComponent.length)];
        } else path = allPaths[Math.floor(rng() * allPaths.length)];
        const next = editFile(rng, path, files.get(path), n);
        files.set(path, next);
        changes.push(['M', path, next]);
      }
      if (rng() < 0.06) {
        const path = `src/added/r${n}.ts`;
        const file = newFile(rng, path, n);
        files.set(path, file);
        changes.push(['M', path, file]);
        allPaths = paths();
      }
      if (rng() < 0.04) {
        const candidates = allPaths.filter((p) => p.startsWith('docs/'));
        const path = candidates[Math.floor(rng() * candidates.length)];
        if (path) {
          files.delete(path);
          changes.push(['D', path]);
          allPaths = paths();
        }
      }
    }
    data(Buffer.from(`change ${n} of repo${repoIndex}\n`));
    if (n > 1) push(`from :${n - 1}\n`);
    for (const [op, path, file] of changes) {
      if (op === 'D') push(`D ${path}\n`);
      else {
        push(`M ${file.mode} inline ${path}\n`);
        data(file.content);
      }
    }
    push('\n');
    if (n % TAG_EVERY === 0) {
      const tag = `v1.${n / TAG_EVERY - 1}.0`;
      push(`tag ${tag}\nfrom :${n}\ntagger Release <release@upstream.invalid> ${when} +0000\n`);
      data(Buffer.from(`Release ${tag}\n`));
    }
  }
  push('done\n');
  return Buffer.concat(parts);
}

async function buildUpstreams(root) {
  await mkdir(root, { recursive: true });
  await inParallel(shape.repos, 4, async (r) => {
    const gitdir = join(root, `repo${r}.git`);
    await git(['init', '-q', '--bare', '-b', 'main', gitdir]);
    let t = performance.now();
    const stream = fastImportStream(r);
    const generated = performance.now() - t;
    t = performance.now();
    await git(['--git-dir', gitdir, 'fast-import', '--quiet', '--done'], { input: stream });
    const imported = performance.now() - t;
    t = performance.now();
    // Like a hosted repository: one well-deltified pack.
    await git(['--git-dir', gitdir, 'repack', '-adq', '--window=10']);
    if (process.env.BENCH_DEBUG) log(`  repo${r}: ${(stream.length / 1e6).toFixed(1)} MB stream, generated ${fmtMs(generated)}, fast-import ${fmtMs(imported)}, repack ${fmtMs(performance.now() - t)}`);
  });
}

/** work(0..count-1), at most `limit` at a time. */
async function inParallel(count, limit, work) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

// --- the server (own process) ------------------------------------------------------------

async function startServer(root) {
  const child = spawn(process.execPath, [join(here, 'git-server.mjs'), root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolvePromise, reject) => {
    let buffered = '';
    child.stdout.on('data', (d) => {
      buffered += d;
      const nl = buffered.indexOf('\n');
      if (nl >= 0) resolvePromise(buffered.slice(0, nl));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`git server exited with ${code}`)));
  });
  const info = JSON.parse(line);
  const control = async (path, method = 'GET') => (await fetch(`${info.url}/__bench/${path}`, { method })).json();
  return {
    url: info.url,
    impl: info.impl,
    stats: () => control('stats'),
    reset: () => control('reset', 'POST'),
    stop: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// --- workspaces --------------------------------------------------------------------------

/** At most this many repositories at once for native git, as forge's default --concurrency. */
const NATIVE_CONCURRENCY = 8;

function forgeYaml(base) {
  let text = 'components:\n';
  for (let r = 0; r < shape.repos; r++) {
    for (let c = 0; c < shape.componentsPerRepo; c++) {
      text += `  repo${r}-c${c}:\n    repository: ${base}/repo${r}.git\n    path: components/c${c}\n    version: ^1.0.0\n    dest: vendor/repo${r}/c${c}\n`;
    }
  }
  return text;
}

async function freshWorkspace(dir, base) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  await writeFile(join(dir, 'forge.yaml'), forgeYaml(base));
  await writeFile(join(dir, '.gitignore'), '.forge/\n');
}

/** Repositories 0..N-1 through `template` (REPO stands for the number), at most NATIVE_CONCURRENCY at once, in one measured shell. */
function perRepository(template) {
  const numbers = Array.from({ length: shape.repos }, (_, r) => r).join(' ');
  return `printf '%s\\n' ${numbers} | xargs -P ${NATIVE_CONCURRENCY} -I REPO sh -c '${template}'`;
}

async function nativeCold(dir, base) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let template = `set -e; git clone -q --depth 1 --branch ${LAST_TAG} --no-checkout ${base}/repoREPO.git "${dir}/clones/repoREPO"; mkdir -p "${dir}/ws/vendor/repoREPO"`;
  for (let c = 0; c < shape.componentsPerRepo; c++) template += `; git -C "${dir}/clones/repoREPO" archive ${LAST_TAG} components/c${c} | tar -x -C "${dir}/ws/vendor/repoREPO" --strip-components=1`;
  const result = await measured('sh', ['-c', perRepository(template)], { env: gitEnv });
  if (result.code !== 0) throw new Error(`native cold pull failed: ${result.stderr.slice(-2000)}`);
  return result;
}

async function nativeLsRemote(base) {
  const result = await measured('sh', ['-c', perRepository(`git ls-remote --tags ${base}/repoREPO.git > /dev/null`)], { env: gitEnv });
  if (result.code !== 0) throw new Error(`ls-remote failed: ${result.stderr.slice(-2000)}`);
  return result;
}

async function fileSize(path) {
  return (await stat(path).catch(() => null))?.size ?? null;
}

// --- figures -----------------------------------------------------------------------------

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const fmtMb = (kib) => (kib == null ? 'n/a' : `${(kib / 1024).toFixed(0)} MB`);
const fmtBytes = (bytes) => (bytes == null ? 'n/a' : bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`);
const peakKiB = (samples) => Math.max(...samples.map((s) => s.rssKiB ?? 0)) || null;

async function repeat(times, before, measure) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    if (before) await before(i);
    samples.push(await measure(i));
  }
  return samples;
}

/** One shape: fixtures, server, every scenario; returns the printed report. */
async function measureShape(gitVersion) {
  const shapeRoot = join(workRoot, shape.name);
  let t = performance.now();
  const upstreams = join(shapeRoot, 'upstream');
  await buildUpstreams(upstreams);
  const countOut = await git(['--git-dir', join(upstreams, 'repo0.git'), 'ls-tree', '-r', '--name-only', LAST_TAG]);
  const commitCount = (await git(['--git-dir', join(upstreams, 'repo0.git'), 'rev-list', '--count', 'main'])).stdout.trim();
  log(`[${shape.name}] fixtures: ${shape.repos} repositories (${countOut.stdout.trim().split('\n').length} files and ${commitCount} commits in repo0, tags v1.0.0..${LAST_TAG}) in ${fmtMs(performance.now() - t)}`);

  const server = await startServer(upstreams);
  log(`[${shape.name}] server: ${server.url}; measured with ${timeBin ?? 'bench/measure.mjs'}`);
  const rows = [];
  const notes = [];
  const samplesOut = [];
  const components = shape.repos * shape.componentsPerRepo;
  let installed = '?';

  try {
    const ws = join(shapeRoot, 'ws');
    const cacheDir = join(shapeRoot, 'cache');
    const env = { FORGE_CACHE_DIR: cacheDir };
    const statusArgs = ['sync', 'status', '--all', '--offline'];
    const freshCold = async () => {
      await rm(cacheDir, { recursive: true, force: true });
      await freshWorkspace(ws, server.url);
    };

    // Every forge sample is taken next to the native one it is compared with (A B A B ...): the
    // machine is shared and its speed drifts, so blocks of one then the other skew the ratio.
    // Status's own work is each status minus a forge --version taken right beside it.
    const forgeVersion = () => forge(['--version'], shapeRoot, env);
    // Node alone, started the same way (through /usr/bin/time when forge is), so the wrapper's cost is on both sides.
    const nodeAlone = () => measured(process.execPath, ['-e', '0']);
    const ownWork = (pairs) => median(pairs.map(([status, version]) => status.ms - version.ms));
    const ownCpu = (pairs) => (pairs.every(([a, b]) => a.cpuMs !== null && b.cpuMs !== null) ? median(pairs.map(([status, version]) => status.cpuMs - version.cpuMs)) : null);
    const cpu = (samples) => (samples.every((x) => x.cpuMs !== null) ? median(samples.map((x) => x.cpuMs)) : null);
    await forgeVersion(); // writes the code cache if missing

    if (ONLY.has('startup')) {
      log(`[${shape.name}] start-up ...`);
      const pairs = await repeat(QUICK_RUNS, null, async () => [await forgeVersion(), await nodeAlone()]);
      const versions = pairs.map(([v]) => v);
      const nodes = pairs.map(([, n]) => n);
      rows.push({ name: 'start-up: forge --version', forge: median(versions.map((v) => v.ms)), native: median(nodes.map((n) => n.ms)), forgeCpu: cpu(versions), nativeCpu: cpu(nodes), target: 1.5, nativeLabel: 'node -e 0', rss: peakKiB(versions) });
      samplesOut.push(`start-up forge ${versions.map((v) => Math.round(v.ms)).join(' ')} | node ${nodes.map((n) => Math.round(n.ms)).join(' ')}`);
    }

    // Cold pull (forge with native git, forge with isomorphic-git only, native git), in turn; each
    // forge pull is followed by the first status after it and a forge --version.
    const coldForge = [];
    const coldIso = [];
    const coldNative = [];
    const statusFirst = [];
    if (ONLY.has('cold') || ONLY.has('status')) {
      log(`[${shape.name}] cold pull (forge, forge FORGE_NATIVE_GIT=0, native git in turn), then the first status ...`);
      for (let i = 0; i < RUNS; i++) {
        await freshCold();
        coldForge.push(await forge(['sync', 'pull', '--all'], ws, env));
        statusFirst.push([await forge(statusArgs, ws, env), await forgeVersion()]);
        if (i === 0) {
          installed = (await run('sh', ['-c', 'find vendor -type f | wc -l'], { cwd: ws })).stdout.trim();
          notes.push(`.forge/state.json after a cold pull: ${fmtBytes(await fileSize(join(ws, '.forge', 'state.json')))}`);
        }
        if (!ONLY.has('cold')) continue;
        await freshCold();
        coldIso.push(await forge(['sync', 'pull', '--all'], ws, { ...env, FORGE_NATIVE_GIT: '0' }));
        coldNative.push(await nativeCold(join(shapeRoot, 'native'), server.url));
      }
    }
    if (ONLY.has('cold')) {
      const nativeInstalled = (await run('sh', ['-c', 'find ws/vendor -type f | wc -l'], { cwd: join(shapeRoot, 'native') })).stdout.trim();
      if (nativeInstalled !== installed) notes.push(`WARNING: native git installed ${nativeInstalled} files, forge ${installed}`);
      rows.push({ name: `cold pull`, forge: median(coldForge.map((s) => s.ms)), native: median(coldNative.map((n) => n.ms)), forgeCpu: cpu(coldForge), nativeCpu: cpu(coldNative), target: 1.5, nativeLabel: 'clone --depth 1 + archive', rss: peakKiB(coldForge) });
      rows.push({ name: '  same, FORGE_NATIVE_GIT=0', forge: median(coldIso.map((s) => s.ms)), native: median(coldNative.map((n) => n.ms)), forgeCpu: cpu(coldIso), nativeCpu: cpu(coldNative), target: null, nativeLabel: '(info)', rss: peakKiB(coldIso) });
      samplesOut.push(`cold forge ${coldForge.map((s) => Math.round(s.ms)).join(' ')} | iso ${coldIso.map((s) => Math.round(s.ms)).join(' ')} | native ${coldNative.map((n) => Math.round(n.ms)).join(' ')}`);
    }

    // The warm scenarios start from a workspace a normal cold pull made.
    if (ONLY.has('noop') || ONLY.has('status')) {
      await freshCold();
      await forge(['sync', 'pull', '--all'], ws, env);
    }

    if (ONLY.has('noop')) {
      log(`[${shape.name}] no-op pull ...`);
      const fetchesSeen = [];
      const noop = [];
      const lsRemote = [];
      for (let i = 0; i < QUICK_RUNS; i++) {
        await server.reset();
        const sample = await forge(['sync', 'pull', '--all'], ws, env);
        fetchesSeen.push(await server.stats());
        if (!/up to date/i.test(sample.stdout)) notes.push(`WARNING: the no-op pull printed: ${sample.stdout.trim().split('\n').slice(-3).join(' | ')}`);
        noop.push(sample);
        lsRemote.push(await nativeLsRemote(server.url));
      }
      const worst = (key) => Math.max(...fetchesSeen.map((s) => s[key]));
      rows.push({ name: 'no-op pull', forge: median(noop.map((s) => s.ms)), native: median(lsRemote.map((n) => n.ms)), forgeCpu: cpu(noop), nativeCpu: cpu(lsRemote), target: 1.5, nativeLabel: 'ls-remote --tags per repo', rss: peakKiB(noop) });
      notes.push(`no-op pull, server side (worst run): ${worst('infoRefs')} info/refs GETs, ${worst('uploadPackPosts')} upload-pack POSTs, ${worst('lsRefs')} ls-refs, ${worst('fetches')} fetches -> ${worst('fetches') === 0 ? 'no fetch: yes' : 'FETCHED: NO'}`);
      samplesOut.push(`no-op forge ${noop.map((s) => Math.round(s.ms)).join(' ')} | ls-remote ${lsRemote.map((n) => Math.round(n.ms)).join(' ')}`);
    }

    if (ONLY.has('status')) {
      log(`[${shape.name}] status ...`);
      const gitWs = join(shapeRoot, 'git-status');
      await rm(gitWs, { recursive: true, force: true });
      await mkdir(gitWs, { recursive: true });
      await cp(join(ws, 'vendor'), join(gitWs, 'vendor'), { recursive: true, preserveTimestamps: true });
      await git(['init', '-q', '-b', 'main'], { cwd: gitWs });
      await git(['add', '-A'], { cwd: gitWs });
      await git(['commit', '-qm', 'vendor'], { cwd: gitWs });
      await git(['status', '--porcelain'], { cwd: gitWs });
      const gitStatus = () => measured('git', ['status', '--porcelain'], { cwd: gitWs, env: gitEnv });
      await forge(statusArgs, ws, env);
      const statusLater = [];
      const gitLater = [];
      for (let i = 0; i < QUICK_RUNS; i++) {
        statusLater.push([await forge(statusArgs, ws, env), await forgeVersion()]);
        gitLater.push(await gitStatus());
      }
      const statusNoCache = [];
      for (let i = 0; i < RUNS; i++) {
        await rm(join(ws, '.forge', 'stat-cache'), { recursive: true, force: true });
        statusNoCache.push([await forge(statusArgs, ws, env), await forgeVersion()]);
      }
      const gitMedian = median(gitLater.map((g) => g.ms));
      const gitCpu = cpu(gitLater);
      const show = (pairs) => pairs.map(([status, version]) => `${Math.round(status.ms)}-${Math.round(version.ms)}`).join(' ');
      rows.push({ name: 'status, first after a pull (own work)', forge: ownWork(statusFirst), native: gitMedian, forgeCpu: ownCpu(statusFirst), nativeCpu: gitCpu, target: 2, nativeLabel: 'git status --porcelain', rss: peakKiB(statusFirst.map(([s]) => s)) });
      rows.push({ name: 'status, later runs (own work)', forge: ownWork(statusLater), native: gitMedian, forgeCpu: ownCpu(statusLater), nativeCpu: gitCpu, target: 2, nativeLabel: 'git status --porcelain', rss: peakKiB(statusLater.map(([s]) => s)) });
      rows.push({ name: '  same, no stat cache (own work)', forge: ownWork(statusNoCache), native: gitMedian, forgeCpu: ownCpu(statusNoCache), nativeCpu: gitCpu, target: null, nativeLabel: '(info)', rss: peakKiB(statusNoCache.map(([s]) => s)) });
      samplesOut.push(`status (status-version) first ${show(statusFirst)} | later ${show(statusLater)} | no cache ${show(statusNoCache)} | git status ${gitLater.map((g) => Math.round(g.ms)).join(' ')}`);
    }
    notes.push(`.forge/state.json at the end: ${fmtBytes(await fileSize(join(ws, '.forge', 'state.json')))}`);
  } finally {
    await server.stop();
  }

  const lines = [];
  const out = (text = '') => lines.push(text);
  out(`shape ${shape.name}: ${shape.repos} upstreams x ${shape.filesPerRepo} files x ${COMMITS} commits, ${components} components of ${shape.filesPerComponent} files (${installed} files installed); median of ${RUNS} (cold) / ${QUICK_RUNS} (warm) runs`);
  out(`node ${process.version}, ${gitVersion}`);
  out();
  const header = ['scenario', 'forge', 'native', 'ratio', 'target', 'met', 'cpu forge', 'cpu native', 'cpu ratio', 'peak RSS', 'native command'];
  const table = rows.map((row) => {
    const ratio = row.forge / row.native;
    const cpuKnown = row.forgeCpu != null && row.nativeCpu != null && row.nativeCpu > 0;
    return [
      row.name,
      fmtMs(row.forge),
      fmtMs(row.native),
      `${ratio.toFixed(2)}x`,
      row.target ? `<= ${row.target}x` : '-',
      row.target ? (ratio <= row.target ? 'yes' : 'NO') : '-',
      cpuKnown ? fmtMs(row.forgeCpu) : 'n/a',
      cpuKnown ? fmtMs(row.nativeCpu) : 'n/a',
      cpuKnown ? `${(row.forgeCpu / row.nativeCpu).toFixed(2)}x` : 'n/a',
      row.rss == null ? 'n/a' : `${fmtMb(row.rss)}${row.rss < 200 * 1024 ? '' : ' (!)'}`,
      row.nativeLabel,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const fmtRow = (r) => r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  out(fmtRow(header));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) out(fmtRow(r));
  out();
  for (const note of notes) out(note);
  out(`measured with ${timeBin === 'python3' ? 'bench/rusage.py (wait4)' : timeBin ?? 'wall clock only'}; peak RSS: ${timeBin ? 'the largest of node and its git children' : 'node process only'}; target < 200 MB, (!) marks a miss`);
  out('samples (ms):');
  for (const line of samplesOut) out(`  ${line}`);
  return lines.join('\n');
}

async function main() {
  if (!existsSync(join(projectRoot, 'dist', 'cli', 'forge.cjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does).');
  // The meter: bench/rusage.py (CPU time to the microsecond), else /usr/bin/time (to 10 ms), else
  // wall time only and bench/measure.mjs for node's own peak RSS.
  const python = await run('python3', ['-c', 'import os; os.wait4'], { check: false }).catch(() => ({ code: 1 }));
  const probe = await run('sh', ['-c', 'command -v /usr/bin/time'], { check: false });
  timeBin = python.code === 0 ? 'python3' : probe.code === 0 ? '/usr/bin/time' : null;
  const gitVersion = (await git(['--version'])).stdout.trim();
  await rm(workRoot, { recursive: true, force: true });
  await mkdir(workRoot, { recursive: true });
  if (PROFILE_DIR) await mkdir(PROFILE_DIR, { recursive: true });
  const reports = [];
  try {
    for (const name of shapeNames) {
      shape = SHAPES[name];
      reports.push(await measureShape(gitVersion));
      console.log(`${reports.at(-1)}\n`);
    }
  } finally {
    if (KEEP) log(`kept ${workRoot}`);
    else await rm(workRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
