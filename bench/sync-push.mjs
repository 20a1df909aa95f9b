// `forge sync push` of a 1,000-file component, the whole command as a user runs it (start-up,
// scanning the folder, building the commit on the locked one, pushing), next to native git doing
// the same from a shallow cache of the locked tag: a temporary index (read-tree), `git add -A`
// of the folder, write-tree, commit-tree, push. Run after `npm run build`:
//
//   node bench/sync-push.mjs          # BENCH_RUNS (default 5) runs each, medians printed
//
// `npm run bench` calls it: `syncPushRow({ runs, measure })` returns the row ({ name, forge,
// native, forgeCpu, nativeCpu, rss, target, nativeLabel, extra }) in the shape of bench/run.mjs's
// table; `measure(command, args, { cwd, env })` is run.mjs's meter (wall and CPU time, peak RSS),
// by default wall time only. Native git's five commands run as one `sh -c` script, so its CPU time
// holds all of them.
//
// Fixture: one upstream with components/big (1,000 files of ~2 KB) and 2,000 other files, tag
// v1.0.0, served by bench/git-server.mjs in its own process; a workspace that added the
// component, then changed 50 files, added 5 and deleted 5. Each run pushes to a new branch.
// Also timed: forge with FORGE_NATIVE_GIT=0 (isomorphic-git only, the fallback), and where the
// command's time goes: start-up (forge --version) and the push engine in a warm process.

import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const forgeBin = resolve(here, '..', 'bin', 'run.js');
export const FILES = Number.parseInt(process.env.BENCH_PUSH_FILES ?? '1000', 10);
export const OTHER = 2000;
export const PATH = 'components/big';
const baseEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', CI: '1', NO_COLOR: '1' };
for (const name of ['GH_TOKEN', 'GITHUB_TOKEN', 'FORGE_TOKEN', 'GH_HOST']) delete baseEnv[name];
const IDENTITY = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@forge.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@forge.invalid' };

function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: { ...baseEnv, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', fail);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString().trim();
      if (code === 0) done({ stdout, ms: performance.now() - started });
      else fail(new Error(`${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(err)}${stdout}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

const git = async (args, options) => (await run('git', args, options)).stdout;
export const content = (i, salt = '') => `// file ${i}${salt}\n${`export const value${i} = ${i};\n`.repeat(60)}`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function makeUpstream(root) {
  const bare = join(root, 'up.git');
  await git(['init', '-q', '--bare', '-b', 'main', bare]);
  const parts = ['commit refs/heads/main\ncommitter b <b@x> 1700000000 +0000\ndata 5\nfirst\n'];
  for (let i = 0; i < FILES; i++) {
    const c = content(i);
    parts.push(`M 100644 inline ${PATH}/f${String(i).padStart(4, '0')}.ts\ndata ${Buffer.byteLength(c)}\n${c}\n`);
  }
  for (let i = 0; i < OTHER; i++) {
    const c = content(i, ' other');
    parts.push(`M 100644 inline other/d${i % 20}/o${i}.ts\ndata ${Buffer.byteLength(c)}\n${c}\n`);
  }
  parts.push('\ndone\n');
  await git(['--git-dir', bare, 'fast-import', '--quiet', '--done'], { input: parts.join('') });
  await git(['--git-dir', bare, 'tag', 'v1.0.0', 'main']);
  await git(['--git-dir', bare, 'repack', '-a', '-d', '-q']);
  return bare;
}

/** 50 files changed, 5 added, 5 deleted. */
async function editFolder(dir) {
  for (let i = 0; i < 50; i++) await writeFile(join(dir, `f${String(i).padStart(4, '0')}.ts`), content(i, ' changed'));
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `new${i}.ts`), content(i, ' new'));
  for (let i = FILES - 5; i < FILES; i++) await rm(join(dir, `f${String(i).padStart(4, '0')}.ts`));
}

/** The default meter: wall time only. */
async function wallClock(command, args, options) {
  const { ms } = await run(command, args, options);
  return { ms, cpuMs: null, rssKiB: null };
}

export async function syncPushRow({ runs = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '5', 10) || 5), log = console.error, measure = wallClock } = {}) {
  const work = join(here, '.work', `sync-push-${process.pid}`);
  await mkdir(work, { recursive: true });
  const server = spawn(process.execPath, [join(here, 'git-server.mjs'), work], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const bare = await makeUpstream(work);
    const { url: base } = await new Promise((done) => server.stdout.once('data', (d) => done(JSON.parse(d.toString()))));
    const url = `${base}/up.git`;
    const parent = await git(['--git-dir', bare, 'rev-parse', 'v1.0.0^{commit}']);

    const ws = join(work, 'workspace');
    await mkdir(ws, { recursive: true });
    await git(['init', '-q', '-b', 'main'], { cwd: ws });
    const cache = join(work, 'cache');
    const forgeEnv = { FORGE_CACHE_DIR: cache, ...IDENTITY };
    await run(process.execPath, [forgeBin, 'init'], { cwd: ws, env: forgeEnv });
    await run(process.execPath, [forgeBin, 'add', url, 'big', '--path', PATH, '--version', '^1.0.0'], { cwd: ws, env: forgeEnv });
    await editFolder(join(ws, PATH));

    // Native git: a shallow bare cache of the tag, as forge's object cache holds it.
    const nativeCache = join(work, 'native.git');
    await git(['init', '-q', '--bare', nativeCache]);
    await git(['--git-dir', nativeCache, 'fetch', '-q', '--depth=1', url, '+refs/tags/v1.0.0:refs/tags/v1.0.0']);
    /** `measure` with its exit code checked (run.mjs's meter does not throw). */
    const metered = async (command, args, options) => {
      const result = await measure(command, args, { ...options, env: { ...baseEnv, ...options.env } });
      if (result.code !== undefined && result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr ?? ''}${result.stdout ?? ''}`);
      return result;
    };
    const nativeScript = [
      'set -e',
      `git read-tree ${parent}`,
      `git add -A -- '${PATH}'`,
      'tree=$(git write-tree)',
      `commit=$(git commit-tree "$tree" -p ${parent} -m "push $N")`,
      `git push -q '${url}' "$commit:refs/heads/native-$N"`,
    ].join('\n');
    const nativeRun = (n) =>
      metered('sh', ['-c', nativeScript], { cwd: ws, env: { GIT_DIR: nativeCache, GIT_INDEX_FILE: join(work, `index-${n}`), GIT_WORK_TREE: ws, N: String(n), ...IDENTITY } });
    const forgeRun = (label, extraEnv) => (n) =>
      metered(process.execPath, [forgeBin, 'sync', 'push', 'big', '--branch', `forge-${label}-${n}`], { cwd: ws, env: { ...forgeEnv, ...extraEnv } });

    // Where the command's time goes: start-up (forge --version), and the engine's push inside one
    // warm process (scan, commit, push, records), without start-up and module loading.
    const versionRun = () => metered(process.execPath, [forgeBin, '--version'], { cwd: ws, env: forgeEnv });
    const { buildContext } = await import(resolve(here, '..', 'dist', 'context.js'));
    const { push } = await import(resolve(here, '..', 'dist', 'sync', 'push.js'));
    const engineRun = async (n) => {
      const ctx = await buildContext({ root: ws, env: { ...baseEnv, ...forgeEnv }, reporter: { emit() {} } });
      const started = performance.now();
      await push(ctx, { component: 'big', branch: `forge-engine-${n}`, createFork: false, createPr: false, draft: false, force: false, dryRun: false });
      return { ms: performance.now() - started, cpuMs: null, rssKiB: null };
    };
    await engineRun('warmup');

    const variants = [
      ['native git', nativeRun],
      ['forge', forgeRun('native', {})],
      ['forge, isomorphic-git only', forgeRun('iso', { FORGE_NATIVE_GIT: '0' })],
      ['forge --version', versionRun],
      ['push engine in a warm process', engineRun],
    ];
    const results = new Map(variants.map(([label]) => [label, []]));
    for (let n = 0; n < runs; n++) for (const [label, fn] of variants) results.get(label).push(await fn(n));

    // Every pushed branch must be what native git would have made of the same folder.
    const expectedTree = await git(['rev-parse', `refs/heads/native-0^{tree}`], { env: { GIT_DIR: bare } });
    for (const branch of ['forge-native-0', 'forge-iso-0']) {
      const tree = await git(['rev-parse', `refs/heads/${branch}^{tree}`], { env: { GIT_DIR: bare } });
      if (tree !== expectedTree) throw new Error(`${branch} has tree ${tree}, native git made ${expectedTree}`);
      if ((await git(['rev-parse', `refs/heads/${branch}^`], { env: { GIT_DIR: bare } })) !== parent) throw new Error(`${branch} is not on the locked commit`);
    }
    await git(['--git-dir', bare, 'fsck', '--no-dangling']);

    const ms = (label) => median(results.get(label).map((r) => r.ms));
    const cpu = (label) => (results.get(label).every((r) => r.cpuMs != null) ? median(results.get(label).map((r) => r.cpuMs)) : null);
    const peak = (label) => (results.get(label).every((r) => r.rssKiB != null) ? Math.max(...results.get(label).map((r) => r.rssKiB)) : null);
    const native = ms('native git');
    const forge = ms('forge');
    const fallback = ms('forge, isomorphic-git only');
    const startup = ms('forge --version');
    const engine = ms('push engine in a warm process');
    log(
      `sync push of a ${FILES}-file component (50 changed, 5 added, 5 deleted; ${runs} runs, median): forge ${forge.toFixed(0)} ms (start-up ${startup.toFixed(0)} ms, the push itself ${engine.toFixed(0)} ms in a warm process), isomorphic-git only ${fallback.toFixed(0)} ms, native git ${native.toFixed(0)} ms`,
    );
    return {
      name: `sync push (${FILES}-file component)`,
      forge,
      native,
      forgeCpu: cpu('forge'),
      nativeCpu: cpu('native git'),
      rss: peak('forge'),
      target: 1.5,
      nativeLabel: 'read-tree + add -A + write-tree + commit-tree + push',
      extra: {
        isomorphicGitOnly: fallback,
        isomorphicGitOnlyCpu: cpu('forge, isomorphic-git only'),
        isomorphicGitOnlyRss: peak('forge, isomorphic-git only'),
        startup,
        startupCpu: cpu('forge --version'),
        engine,
        samples: Object.fromEntries([...results].map(([label, list]) => [label, list.map((r) => Math.round(r.ms))])),
      },
    };
  } finally {
    server.stdin.end();
    server.kill();
    if (process.env.BENCH_KEEP !== '1') await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const row = await syncPushRow({ log: () => {} });
  const ratio = (ms) => `${(ms / row.native).toFixed(2)}x`;
  console.log(`${row.name}, median of ${process.env.BENCH_RUNS ?? 5} runs:`);
  console.log(`  native git (${row.nativeLabel})  ${row.native.toFixed(0).padStart(6)} ms`);
  console.log(`  forge sync push                                               ${row.forge.toFixed(0).padStart(6)} ms  ${ratio(row.forge)}  (target <= ${row.target}x: ${row.forge / row.native <= row.target ? 'met' : 'NOT met'})`);
  console.log(`  forge sync push, isomorphic-git only                          ${row.extra.isomorphicGitOnly.toFixed(0).padStart(6)} ms  ${ratio(row.extra.isomorphicGitOnly)}`);
  console.log(`  where forge's time goes: start-up (forge --version)           ${row.extra.startup.toFixed(0).padStart(6)} ms`);
  console.log(`                           the push engine in a warm process    ${row.extra.engine.toFixed(0).padStart(6)} ms  ${ratio(row.extra.engine)}`);
}
