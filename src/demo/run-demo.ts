// forge demo: the main job end to end, on sample upstream repositories served
// over loopback by `git http-backend`, with a GitHub-compatible API in front of them
// (src/demo/github-server.ts) so the demo can fork and open a pull request too. Runs the
// real CLI (a child process per step, exactly what a user would type) so what it prints is
// what users see. Needs git, no network and no token (the embedded GitHub gets one of its own).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGitServer } from './git-http-server.js';
import { attachGitHub } from './github-server.js';
import { commitToRepo, git, makeRepo } from './repo-builder.js';

export interface DemoOptions {
  /** Where to print (the command's log). */
  write: (line: string) => void;
  colors: boolean;
  /** Keep the temp folder (printed at the end) instead of removing it. */
  keep: boolean;
}

export interface DemoStep {
  command: string;
  exitCode: number;
  expectedExitCode: number;
}

export interface DemoResult {
  ok: boolean;
  /** True with --keep: the folders below are still there. */
  kept: boolean;
  /** The consumer workspace, or null once it has been removed (without --keep). */
  workspace: string | null;
  /** With --keep: the object cache the workspace was built with (FORGE_CACHE_DIR). */
  cacheDir: string | null;
  /** With --keep: the sample upstream repositories (bare git repositories, one per folder). */
  upstreams: string | null;
  /** With --keep: commands that work in the kept workspace now that the demo's server has stopped. */
  next: string[];
  steps: DemoStep[];
}

const bin = resolve(fileURLToPath(new URL('../../bin/run.js', import.meta.url)));

const lookupYaml = (version: string, extra: string, emailRange: string, base: string) => `name: salesforce-lookup
version: ${version}
description: Looks up Salesforce accounts and contacts for an agent.
config:
  timeout: 30
  retry_count: 3${extra}
dependencies:
  - repository: ${base}/communication.git
    component: email-composer
    version: ${emailRange}
`;

const emailYaml = (version: string) => `name: email-composer
version: ${version}
description: Drafts follow-up emails.
`;

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { write } = options;
  const bold = (s: string) => (options.colors ? `\u001b[1m${s}\u001b[22m` : s);
  const dim = (s: string) => (options.colors ? `\u001b[2m${s}\u001b[22m` : s);
  const root = await mkdtemp(join(tmpdir(), 'forge-demo-'));
  const upstreams = join(root, 'upstream');
  const workspace = join(root, 'my-agent');
  const cache = join(root, 'cache');
  await mkdir(upstreams, { recursive: true });
  await mkdir(workspace, { recursive: true });
  const server = await startGitServer({ root: upstreams });
  const github = attachGitHub(server);
  // The demo's own GitHub user, with a token only the embedded server knows.
  const token = `demo-${Math.random().toString(36).slice(2)}`;
  github.addUser({ login: 'you', token });
  const steps: DemoStep[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, FORGE_CACHE_DIR: cache, CI: '1', GH_HOST: github.host, GH_TOKEN: token };
  if (!options.colors) env.NO_COLOR = '1';
  for (const name of ['GITHUB_TOKEN', 'FORGE_TOKEN', 'GITHUB_API_URL', 'GITHUB_SERVER_URL', 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) delete env[name];
  // Commits forge pushes carry the demo's identity, whatever git says on this machine.
  Object.assign(env, { GIT_AUTHOR_NAME: 'You', GIT_AUTHOR_EMAIL: 'you@example.com', GIT_COMMITTER_NAME: 'You', GIT_COMMITTER_EMAIL: 'you@example.com' });

  const narrate = (text: string) => {
    write('');
    write(dim(`# ${text}`));
  };
  const forge = async (args: string[], expectedExitCode = 0) => {
    write(bold(`$ forge ${args.map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a)).join(' ')}`));
    const { code, output } = await run(process.execPath, [bin, ...args], workspace, env);
    for (const line of output.replace(/\n$/, '').split('\n')) if (line !== '') write(line);
    steps.push({ command: `forge ${args.join(' ')}`, exitCode: code, expectedExitCode });
    if (code !== expectedExitCode) throw new Error(`'forge ${args.join(' ')}' exited with ${code}, expected ${expectedExitCode}`);
  };

  try {
    const base = `${server.url}/company`;
    narrate(
      `Upstream repositories served on ${server.url} by git http-backend, with a GitHub-compatible API: company/crm-tools (salesforce-lookup 2.1.0, 2.1.3) and company/communication (email-composer 1.3.0, 1.3.2, 1.4.0, and a prompt file)`,
    );
    await makeRepo(upstreams, 'company/communication', {
      files: {
        'components/email-composer/component.yaml': emailYaml('1.3.0'),
        'components/email-composer/prompt.md': 'Write a short, friendly follow-up email.\n',
        'prompts/tone.md': 'Keep a warm, professional tone. Never promise delivery dates.\n',
      },
      tag: 'email-composer@1.3.0',
      message: 'email-composer 1.3.0',
    });
    await commitToRepo(upstreams, 'company/communication', { files: { 'components/email-composer/component.yaml': emailYaml('1.3.2') }, tag: 'email-composer@1.3.2', message: 'email-composer 1.3.2' });
    await commitToRepo(upstreams, 'company/communication', { files: { 'components/email-composer/component.yaml': emailYaml('1.4.0') }, tag: 'email-composer@1.4.0', message: 'email-composer 1.4.0' });
    const lookupFiles = (version: string, extra = '') => ({
      'components/tools/salesforce-lookup/component.yaml': lookupYaml(version, extra, '~1.3.0', base),
      'components/tools/salesforce-lookup/lookup.py': 'def lookup(account_id):\n    """Find an account by id."""\n    return {"id": account_id}\n',
      'components/tools/salesforce-lookup/run.sh': { content: '#!/bin/sh\nexec python3 lookup.py "$@"\n', mode: '100755' as const },
    });
    await makeRepo(upstreams, 'company/crm-tools', { files: lookupFiles('2.1.0'), tag: 'v2.1.0', message: 'salesforce-lookup 2.1.0' });
    await commitToRepo(upstreams, 'company/crm-tools', { files: lookupFiles('2.1.3'), tag: 'v2.1.3', message: 'salesforce-lookup 2.1.3' });
    github.addRepository('company', 'communication');
    github.addRepository('company', 'crm-tools');

    narrate('A consumer repository starts a workspace and adds a component; its dependency comes with it');
    await git(['init', '-q', '-b', 'main'], { cwd: workspace });
    await forge(['init']);
    await forge(['add', `${base}/crm-tools.git`, 'salesforce-lookup', '--version', '^2.1.0']);
    narrate('A component can also be a single file: a shared prompt, followed on the main branch');
    await forge(['add', `${base}/communication.git`, 'tone', '--path', 'prompts/tone.md', '--ref', 'main', '--dest', 'prompts/tone.md']);
    await forge(['graph']);
    await forge(['sync', 'status']);

    narrate('A local edit: a longer timeout for our enterprise accounts');
    await forge(['dev', 'edit', 'salesforce-lookup', '--field', 'config.timeout', '--value', '60']);
    await forge(['dev', 'diff', 'salesforce-lookup']);

    narrate('Upstream releases 2.1.4: a new field in component.yaml and a fix in lookup.py');
    const v214 = lookupFiles('2.1.4', '\n  max_results: 50');
    v214['components/tools/salesforce-lookup/lookup.py'] = 'def lookup(account_id):\n    """Find an account by id."""\n    return {"id": account_id, "source": "salesforce"}\n';
    await commitToRepo(upstreams, 'company/crm-tools', { files: v214, tag: 'v2.1.4', message: 'salesforce-lookup 2.1.4' });
    await forge(['sync', 'status']);
    narrate('A plain pull refuses to touch local edits and lists the options');
    await forge(['sync', 'pull', 'salesforce-lookup'], 1);
    narrate('--merge: a three-way merge per file keeps the local edit and takes upstream changes');
    await forge(['sync', 'pull', 'salesforce-lookup', '--merge']);
    await forge(['sync', 'status']);

    narrate('Upstream 2.1.5 changes the same field to 45: a real conflict');
    const v215 = lookupFiles('2.1.5', '\n  max_results: 50');
    v215['components/tools/salesforce-lookup/component.yaml'] = v215['components/tools/salesforce-lookup/component.yaml'].replace('timeout: 30', 'timeout: 45');
    v215['components/tools/salesforce-lookup/lookup.py'] = v214['components/tools/salesforce-lookup/lookup.py'];
    await commitToRepo(upstreams, 'company/crm-tools', { files: v215, tag: 'v2.1.5', message: 'salesforce-lookup 2.1.5' });
    await forge(['sync', 'pull', 'salesforce-lookup', '--merge'], 1);
    await forge(['sync', 'conflicts', 'list']);
    await forge(['sync', 'status']);
    narrate('Settle it: our side of the conflicting hunk, upstream changes everywhere else');
    await forge(['sync', 'resolve', 'salesforce-lookup', '--prefer-local']);
    await forge(['sync', 'status', 'salesforce-lookup', '--detailed']);

    narrate("Send the longer timeout back upstream. You may not push to company/crm-tools, so forge forks it, pushes a branch to your fork and opens a pull request");
    await forge(['sync', 'push', 'salesforce-lookup'], 4);
    await forge(['sync', 'push', 'salesforce-lookup', '--create-fork', '--create-pr', '--title', 'Longer timeout for enterprise accounts']);
    await forge(['sync', 'status']);
    const [pr] = github.pullRequests('company/crm-tools');
    if (!pr) throw new Error('the pull request forge reported is not on the demo server');
    narrate(`A maintainer merges pull request #${pr.number} on GitHub; status asks GitHub and the component leaves "forked", and your fork catches up with upstream`);
    await github.mergePullRequest('company/crm-tools', pr.number);
    await forge(['sync', 'status']);
    await forge(['fork', 'sync', '--all']);
    narrate('Everything forge did is logged, and each step can be undone');
    await forge(['sync', 'log', 'salesforce-lookup']);

    narrate(
      'The workspace is pushed to you/my-agent on the embedded GitHub, where a daily workflow (forge init --github-actions) keeps its components current. Upstream releases salesforce-lookup 2.1.6 (with your merged timeout); the job merges it and opens the update pull request',
    );
    await makeRepo(upstreams, 'you/my-agent', { files: { 'README.md': '# my-agent\n' }, message: 'start my-agent' });
    github.addRepository('you', 'my-agent');
    // git pushes with the demo's token in a header set through the environment (never in a file or argv).
    const pushEnv = { ...env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` };
    await git(['remote', 'add', 'origin', `${server.url}/you/my-agent.git`], { cwd: workspace, env });
    await git(['fetch', '-q', 'origin', 'main'], { cwd: workspace, env: pushEnv });
    await git(['reset', '-q', '--soft', 'FETCH_HEAD'], { cwd: workspace, env });
    await git(['add', '-A'], { cwd: workspace, env });
    await git(['commit', '-q', '-m', 'my-agent with salesforce-lookup'], { cwd: workspace, env });
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: workspace, env: pushEnv });
    const v216 = lookupFiles('2.1.6', '\n  max_results: 50');
    v216['components/tools/salesforce-lookup/component.yaml'] = v216['components/tools/salesforce-lookup/component.yaml'].replace('timeout: 30', 'timeout: 60');
    v216['components/tools/salesforce-lookup/lookup.py'] = 'def lookup(account_id, fields=None):\n    """Find an account by id."""\n    return {"id": account_id, "source": "salesforce", "fields": fields or []}\n';
    await commitToRepo(upstreams, 'company/crm-tools', { files: v216, tag: 'v2.1.6', message: 'salesforce-lookup 2.1.6: ask for the fields you need' });
    await forge(['sync', 'pull', '--all', '--pr']);
    const [update] = github.pullRequests('you/my-agent');
    if (!update) throw new Error('the update pull request forge reported is not on the demo server');
    narrate(`Pull request #${update.number} on you/my-agent, "${update.title}", as GitHub shows its description:`);
    for (const line of (update.body ?? '').split('\n')) write(line);
  } finally {
    github.detach();
    await server.stop();
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
  write('');
  if (!options.keep) {
    write(`${bold('Demo complete.')} Its temporary folder is removed; 'forge demo --keep' keeps it to look around.`);
    return { ok: true, kept: false, workspace: null, cacheDir: null, upstreams: null, next: [], steps };
  }
  // The demo's server stopped with it, so the kept workspace's upstream addresses no longer answer:
  // everything that reads the workspace, the lock and the object cache still works, offline.
  const next = [`cd ${quote(workspace)}`, `export FORGE_CACHE_DIR=${quote(cache)}`, 'forge sync status --offline', 'forge dev diff', 'forge sync log', 'forge graph'];
  write(`${bold('Demo complete.')} The workspace is kept at ${workspace}.`);
  write(`The demo's git server has stopped, so its upstream addresses no longer answer; work offline there:`);
  for (const line of next) write(`  ${line}`);
  write(`The upstream repositories are bare git repositories in ${upstreams} ('git clone' them to look inside).`);
  return { ok: true, kept: true, workspace, cacheDir: cache, upstreams, next, steps };
}

/** A path as a POSIX shell reads it (quoted only when it needs to be). */
function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}
