// forge demo through the built binary: --json says truthfully where the workspace is (or that it
// was removed), and --keep leaves a workspace in which the commands it prints work after the
// demo's server has stopped.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, gitRevParse, tempDir } from '../helpers/fixtures.js';

vi.setConfig({ testTimeout: 240_000 });

afterAll(cleanupTempDirs);

const exists = (path: string) => stat(path).then(() => true, () => false);

describe.concurrent('forge demo', () => {
  it('--json: every step as expected, and the temporary folder is gone when it says so', async () => {
    const tmp = await tempDir('forge-demo-tmp-');
    const r = await forge(['demo', '--json'], { cwd: tmp, env: { TMPDIR: tmp } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = r.json();
    expect(result).toMatchObject({ ok: true, kept: false, workspace: null, cacheDir: null, upstreams: null, next: [] });
    expect(result.steps.length).toBeGreaterThan(10);
    for (const step of result.steps) expect(step.exitCode).toBe(step.expectedExitCode);
    expect(result.steps.map((s: { command: string }) => s.command)).toEqual(
      expect.arrayContaining(['forge sync push salesforce-lookup --create-fork --create-pr --title Longer timeout for enterprise accounts', 'forge fork sync --all']),
    );
    expect(await readdir(tmp)).toEqual([]);
  });

  it('--keep: the workspace exists and the commands it prints work with the server gone', async () => {
    const tmp = await tempDir('forge-demo-tmp-');
    const human = await forge(['demo', '--keep'], { cwd: tmp, env: { TMPDIR: tmp } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/The workspace is kept at .*my-agent\./);
    expect(human.stdout).toContain('forge sync status --offline');
    // The edit goes to a fork on the embedded GitHub, with a pull request whose URL is printed.
    expect(human.stdout).toMatch(/✓ Opened pull request #1: http:\/\/127\.0\.0\.1:\d+\/company\/crm-tools\/pull\/1/);
    expect(human.stdout).toContain('1 commit behind, fast-forwarded');
    // It ends with the update pull request of a scheduled job, and prints what the pull request says.
    expect(human.stdout).toMatch(/✓ Opened pull request #1: http:\/\/127\.0\.0\.1:\d+\/you\/my-agent\/pull\/1/);
    expect(human.stdout).toContain('<!-- forge:update v1 -->');
    expect(human.stdout).toMatch(/\| `salesforce-lookup` \| 2\.1\.5 → \*\*2\.1\.6\*\* .*salesforce-lookup 2\.1\.6: ask for the fields you need.* \| none left; upstream has them now: `component\.yaml` \|/);
    expect(human.stdout).toContain("Upstream now has the edits this repository made to it: no local edits are left.");

    const r = await forge(['demo', '--keep', '--json'], { cwd: tmp, env: { TMPDIR: tmp } });
    expect(r.code).toBe(0);
    const result = r.json();
    expect(result.kept).toBe(true);
    expect(await exists(join(result.workspace, 'forge.yaml'))).toBe(true);
    expect(await exists(join(result.workspace, 'forge.lock.yaml'))).toBe(true);
    expect(result.next).toEqual([`cd ${result.workspace}`, `export FORGE_CACHE_DIR=${result.cacheDir}`, 'forge sync status --offline', 'forge dev diff', 'forge sync log', 'forge graph']);

    const env = { FORGE_CACHE_DIR: result.cacheDir };
    const status = await forge(['sync', 'status', '--offline', '--json'], { cwd: result.workspace, env });
    expect(status.code).toBe(0);
    const byName = Object.fromEntries(status.json().components.map((c: { name: string; status: string }) => [c.name, c.status]));
    // The update pull request's pull merged 2.1.6, which carries the edit the demo sent upstream: nothing local is left.
    expect(byName).toEqual({ 'salesforce-lookup': 'synced', 'email-composer': 'synced', tone: 'synced' });
    const diff = await forge(['dev', 'diff', 'salesforce-lookup'], { cwd: result.workspace, env });
    expect(diff.code).toBe(0);
    const log = await forge(['sync', 'log', 'salesforce-lookup'], { cwd: result.workspace, env });
    expect(log.stdout).toContain('merged upstream 2.1.5 → 2.1.6');
    for (const args of [['sync', 'log'], ['graph']]) expect((await forge(args, { cwd: result.workspace, env })).code).toBe(0);

    // The kept upstreams are real repositories: the locked commit is in them.
    const lock = (await forge(['sync', 'status', '--offline', '--json'], { cwd: result.workspace, env })).json();
    const lookup = lock.components.find((c: { name: string }) => c.name === 'salesforce-lookup');
    expect(await gitRevParse(join(result.upstreams, 'company', 'crm-tools.git'), 'v2.1.6^{commit}')).toBe(lookup.commit);
    // The single-file component: the file in place, its blob locked as upstream has it.
    expect(await readFile(join(result.workspace, 'prompts/tone.md'), 'utf8')).toContain('warm, professional tone');
    const tone = (parse(await readFile(join(result.workspace, 'forge.lock.yaml'), 'utf8')) as { components: Record<string, { blob: string }> }).components.tone!;
    expect(tone.blob).toBe(await gitRevParse(join(result.upstreams, 'company', 'communication.git'), 'main:prompts/tone.md'));
  });
});
