// forge sync pull --pr end to end, as a scheduled GitHub Actions job runs it: the built CLI in a
// fresh clone of the consumer repository, which is itself a repository on the loopback GitHub
// (src/demo/github-server.ts), so `origin` is real. Every branch forge pushes is checked with
// native git against a plain local `forge sync pull --all --merge` of the same upstreams; the
// workflow's outputs, job summary and annotations are parsed back as the runner would; every
// API exchange is held to GitHub's OpenAPI description.

import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forge, type ForgeRun } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const OWNER = 'ghp_0wner0wner0wner0wner0wner0wner0wn3r1';
/** The workflow's GITHUB_TOKEN: an installation token that writes the consumer repository only. */
const ACTIONS_TOKEN = 'ghs_Act1onsAct1onsAct1onsAct1onsAct1ons1';
const BUTTON = 'components/button';
const CARD = 'components/card';

let hub: LoopbackGitHub;
let cache: string;
const outputs: ForgeRun[] = [];

const basicAuth = (token: string) => `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

/** git in a clone, with push rights on the loopback server through a header that lives only in this process. */
async function gitAs(cwd: string, args: string[], token = OWNER): Promise<string> {
  return git(['-c', `http.extraHeader=${basicAuth(token)}`, ...args], { cwd, env: { GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' } });
}

/** A fresh clone of the consumer repository, as actions/checkout leaves it (no git identity configured). */
async function checkout(fullName: string): Promise<string> {
  const dir = await tempDir('forge-update-ci-');
  await git(['clone', '-q', hub.address(fullName), dir]);
  return dir;
}

interface ActionsRun extends ForgeRun {
  outputs: Record<string, string>;
  summary: string;
  annotations: { level: string; properties: Record<string, string>; message: string }[];
}

/** Parses $GITHUB_OUTPUT as the runner does: `name=value`, or `name<<DELIMITER` … `DELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`output ${name}: no closing delimiter`);
      out[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not an output line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const unescape = (text: string) => text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

/** Workflow commands on stdout, as the runner reads them. */
export function parseAnnotations(stdout: string): ActionsRun['annotations'] {
  const out: ActionsRun['annotations'] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties = Object.fromEntries((match[2] ?? '').split(',').filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), unescape(p.slice(p.indexOf('=') + 1))]));
    out.push({ level: match[1]!, properties, message: unescape(match[3]!) });
  }
  return out;
}

/** forge in a workflow step: GITHUB_ACTIONS, an output file, a summary file, the Actions token, no git identity. */
async function inActions(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ActionsRun> {
  const files = await tempDir('forge-update-files-');
  const output = join(files, 'output');
  const summary = join(files, 'summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  const result = await forge(args, {
    cwd,
    env: {
      ...hub.env(),
      GITHUB_TOKEN: ACTIONS_TOKEN,
      FORGE_CACHE_DIR: cache,
      FORGE_TEST_SECOND_MS: '10',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: cwd,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      ...env,
    },
  });
  outputs.push(result);
  return { ...result, outputs: parseOutputFile(await readFile(output, 'utf8')), summary: await readFile(summary, 'utf8'), annotations: parseAnnotations(result.stdout) };
}

/**
 * Checks that `tip` holds exactly what a plain local `forge sync pull --all --merge` of the same
 * upstreams gives on `base` (in another clone): every file the same, the lock the same but for
 * the time each entry was resolved.
 */
async function expectSameAsLocalPull(fullName: string, tip: string, base: string): Promise<void> {
  const dir = await checkout(fullName);
  await git(['checkout', '-q', base], { cwd: dir });
  const pulled = await forge(['sync', 'pull', '--all', '--merge'], { cwd: dir, env: { ...hub.env(OWNER), FORGE_CACHE_DIR: cache } });
  expect(pulled.code, pulled.stderr).toBe(0);
  const index = join(await tempDir('forge-update-index-'), 'index');
  const env = { GIT_INDEX_FILE: index };
  await git(['read-tree', 'HEAD'], { cwd: dir, env });
  await git(['add', '-A', '.'], { cwd: dir, env });
  const local = await git(['write-tree'], { cwd: dir, env });
  const files = async (tree: string, gitDir: string) => (await git(['ls-tree', '-r', tree], { cwd: gitDir })).split('\n').filter((l) => !l.endsWith('\tforge.lock.yaml'));
  expect(await files(tip, hub.github.gitDir(fullName))).toEqual(await files(local, dir));
  const timeless = (text: string) => text.replace(/^\s*resolvedAt: .*\n/gm, '');
  expect(timeless(await git(['show', `${tip}:forge.lock.yaml`], { cwd: hub.github.gitDir(fullName) }))).toBe(timeless(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).trimEnd());
}

const buttonYaml = (version: string, extra = '') => `name: button\nversion: ${version}\nconfig:\n  size: medium${extra}\n`;
const cardYaml = (version: string, title: string) => `name: card\nversion: ${version}\ntitle: ${title}\n`;

beforeAll(async () => {
  hub = await startGitHub();
  cache = await tempDir('forge-update-cache-');
  hub.github.addUser({ login: 'acme', token: OWNER });
  hub.github.addUser({ login: 'ci', token: ACTIONS_TOKEN, kind: 'installation', repositories: ['acme/app', 'acme/other'] });
  await makeRepo(hub.git.root, 'acme/tools', {
    files: {
      [`${BUTTON}/component.yaml`]: buttonYaml('1.0.0'),
      [`${BUTTON}/button.tsx`]: 'export const Button = () => null;\n',
      [`${CARD}/component.yaml`]: cardYaml('1.0.0', 'Card'),
      [`${CARD}/card.css`]: '.card { margin: 0; }\n',
      'README.md': 'tools\n',
    },
    tag: ['button@1.0.0', 'card@1.0.0'],
    message: 'first release',
  });
  hub.github.addRepository('acme', 'tools');
});

afterAll(async () => {
  await hub.stop();
  await cleanupTempDirs();
});

/** The consumer repository acme/NAME on the loopback GitHub, with button and card added and pushed. */
async function consumerRepository(name: string): Promise<string> {
  await makeRepo(hub.git.root, `acme/${name}`, { files: { 'README.md': `${name}\n` }, message: 'start' });
  hub.github.addRepository('acme', name);
  const dev = await checkout(`acme/${name}`);
  const env = { ...hub.env(OWNER), FORGE_CACHE_DIR: cache };
  expect((await forge(['init'], { cwd: dev, env })).code).toBe(0);
  for (const component of ['button', 'card']) {
    const added = await forge(['add', hub.address('acme/tools'), component, '--version', '^1.0.0'], { cwd: dev, env });
    expect(added.code, added.stderr).toBe(0);
  }
  await gitAs(dev, ['add', '-A']);
  await gitAs(dev, ['commit', '-q', '-m', 'add button and card']);
  await gitAs(dev, ['push', '-q', 'origin', 'main']);
  return dev;
}

describe('forge sync pull --all --pr in a workflow', () => {
  let dev: string;
  let firstTip: string;
  const repoDir = () => hub.github.gitDir('acme/app');

  beforeAll(async () => {
    dev = await consumerRepository('app');
    // This repository's own edit to button, committed: the update must keep it.
    await appendFile(join(dev, BUTTON, 'button.tsx'), '// our tweak\n');
    await gitAs(dev, ['commit', '-q', '-am', 'tweak the button']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);
  });

  it('nothing to update: exit 0, no branch, no pull request, outputs say none', async () => {
    const ci = await checkout('acme/app');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Already up to date');
    expect(hub.github.pullRequests('acme/app')).toEqual([]);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads'], { cwd: repoDir() })).toBe('refs/heads/main');
    expect(r.outputs).toMatchObject({ changed: '[]', updated: '0', 'pr-operation': 'none', 'pr-url': '', 'needs-person': '0' });
    expect(hub.problems).toEqual([]);
  });

  it('an upstream release: one commit on main in forge/update, equal to a local pull --all; a pull request with the table, labels and outputs', async () => {
    await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools, documented\n' }, message: 'docs: unrelated to any component' });
    await commitToRepo(hub.git.root, 'acme/tools', {
      files: { [`${BUTTON}/component.yaml`]: buttonYaml('1.1.0', '\n  variant: primary'), [`${BUTTON}/icon.svg`]: '<svg/>\n' },
      tag: 'button@1.1.0',
      message: 'button: a primary variant and an icon (#12, thanks @octocat)',
    });
    const ci = await checkout('acme/app');
    const main = await gitRevParse(repoDir(), 'refs/heads/main');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(0);

    firstTip = await gitRevParse(repoDir(), 'refs/heads/forge/update');
    expect(await git(['rev-list', '--parents', '-n', '1', firstTip], { cwd: repoDir() })).toBe(`${firstTip} ${main}`);
    await expectSameAsLocalPull('acme/app', firstTip, main);
    expect(await git(['fsck', '--full', '--no-dangling'], { cwd: repoDir() })).toBe('');
    // Our edit is in the commit, next to upstream's new file.
    expect(await git(['show', `${firstTip}:${BUTTON}/button.tsx`], { cwd: repoDir() })).toContain('// our tweak');
    expect(await git(['show', `${firstTip}:${BUTTON}/icon.svg`], { cwd: repoDir() })).toBe('<svg/>');
    expect(await git(['diff', '--name-only', main, firstTip], { cwd: repoDir() })).toBe([`${BUTTON}/component.yaml`, `${BUTTON}/icon.svg`, 'forge.lock.yaml'].join('\n'));
    expect(await git(['log', '-1', '--format=%an <%ae>%n%B', firstTip], { cwd: repoDir() })).toContain('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\nUpdate button to 1.1.0');

    const [pr] = hub.github.pullRequests('acme/app');
    expect(pr).toMatchObject({ number: 1, headRef: 'forge/update', baseRef: 'main', state: 'open', title: 'Update button to 1.1.0', labels: ['forge', 'dependencies'] });
    expect(pr!.body).toContain('<!-- forge:update v1 -->');
    expect(pr!.body).toMatch(/\| `button` \| 1\.0\.0 → \*\*1\.1\.0\*\* \(\[compare\]\(http:\/\/127\.0\.0\.1:\d+\/acme\/tools\/compare\/[0-9a-f]{40}\.\.\.[0-9a-f]{40}\)\) \|/);
    // Only the commit that touched the folder, linked; its mention and issue number defused.
    expect(pr!.body).toContain('button: a primary variant and an icon (#\u200b12, thanks @\u200bocttocat)'.replace('octtocat', 'octocat'));
    expect(pr!.body).not.toContain('docs: unrelated');
    expect(pr!.body).toMatch(/\[`[0-9a-f]{7}`\]\(http:\/\/127\.0\.0\.1:\d+\/acme\/tools\/commit\/[0-9a-f]{40}\)/);
    expect(pr!.body).toContain('kept (`button.tsx`; upstream did not change them)');
    expect(hub.github.repository('acme/app')!.labelDetails.get('forge')).toEqual({ color: '5319e7', description: 'Components kept current by forge' });

    expect(r.outputs).toMatchObject({ changed: '["button"]', updated: '1', 'pr-number': '1', 'pr-operation': 'created', 'pr-url': `${hub.git.url}/acme/app/pull/1`, 'needs-person': '0' });
    expect(r.summary).toContain(`[pull request #1](${hub.git.url}/acme/app/pull/1)`);
    expect(r.summary).toContain('| `button` | 1.0.0 | 1.1.0 | kept (1 file) |');
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(hub.problems).toEqual([]);
  });

  it('run again with nothing new: the branch and the pull request stay as they are (operation none)', async () => {
    const ci = await checkout('acme/app');
    const before = hub.github.pullRequests('acme/app')[0]!.updatedAt;
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(0);
    expect(await gitRevParse(repoDir(), 'refs/heads/forge/update')).toBe(firstTip);
    expect(hub.github.pullRequests('acme/app')).toHaveLength(1);
    expect(hub.github.pullRequests('acme/app')[0]!.updatedAt).toBe(before);
    expect(r.outputs).toMatchObject({ 'pr-number': '1', 'pr-operation': 'none' });
  });

  it('a later upstream release updates the same pull request: the branch is regenerated on main, never a second pull request', async () => {
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/component.yaml`]: buttonYaml('1.2.0', '\n  variant: primary') }, tag: 'button@1.2.0', message: 'button 1.2.0' });
    const ci = await checkout('acme/app');
    const main = await gitRevParse(repoDir(), 'refs/heads/main');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const tip = await gitRevParse(repoDir(), 'refs/heads/forge/update');
    expect(tip).not.toBe(firstTip);
    expect(await gitRevParse(repoDir(), `${tip}^`)).toBe(main);
    await expectSameAsLocalPull('acme/app', tip, main);
    const prs = hub.github.pullRequests('acme/app');
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({ number: 1, state: 'open', title: 'Update button to 1.2.0' });
    expect(prs[0]!.body).toContain('1.0.0 → **1.2.0**');
    expect(prs[0]!.body).toContain('button 1.2.0');
    expect(r.json()).toMatchObject({ repository: 'acme/app', pullRequests: [{ branch: 'forge/update', number: 1, operation: 'updated', pushed: true, commit: tip }] });
    expect(r.outputs).toMatchObject({ 'pr-number': '1', 'pr-operation': 'updated' });
    // Annotations go to stderr under --json: stdout is only the JSON.
    expect(r.stdout.trimStart().startsWith('{')).toBe(true);
    expect(hub.problems).toEqual([]);
  });

  it('the token never lands in the clone: not in .git/config, not in any file forge wrote', async () => {
    const ci = await checkout('acme/app');
    await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    const found: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() && (await readFile(path)).includes(ACTIONS_TOKEN)) found.push(path);
      }
    };
    await walk(ci);
    expect(found).toEqual([]);
    for (const run of outputs) expect(`${run.stdout}${run.stderr}`).not.toContain(ACTIONS_TOKEN);
  });
});
