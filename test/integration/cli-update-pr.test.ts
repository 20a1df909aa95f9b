// forge sync pull --pr end to end, as a scheduled GitHub Actions job runs it: the built CLI in a
// fresh clone of the consumer repository, which is itself a repository on the loopback GitHub
// (src/demo/github-server.ts), so `origin` is real. Every branch forge pushes is checked with
// native git against a plain local `forge sync pull --all --merge` of the same upstreams; the
// workflow's outputs, job summary and annotations are parsed back as the runner would; every
// API exchange is held to GitHub's OpenAPI description.

import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
/** The workflow's token writes the consumer repositories this file makes (each added as it is made). */
const actionsUser = { login: 'ci', token: ACTIONS_TOKEN, kind: 'installation' as const, repositories: [] as string[] };
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
  hub.github.addUser(actionsUser);
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
  actionsUser.repositories.push(`acme/${name}`);
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
    expect(pr!.body).toContain('kept: `button.tsx` (upstream left it alone)');
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

describe('components that would conflict are left out and need a person', () => {
  let dev: string;
  const repoDir = () => hub.github.gitDir('acme/conflicts');

  beforeAll(async () => {
    dev = await consumerRepository('conflicts');
    // Both sides change card's title: a real conflict. button merges cleanly.
    await writeFile(join(dev, CARD, 'component.yaml'), cardYaml('1.0.0', 'Our Card'));
    await gitAs(dev, ['commit', '-q', '-am', 'our card title']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);
  });

  it('card is left out of the commit and of the working tree, annotated as an error on its line of forge.yaml; button goes in; exit 1', async () => {
    // card@1.1.0 and button@1.3.0 (button 1.1.0 and 1.2.0 came earlier in this file).
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${CARD}/component.yaml`]: cardYaml('1.1.0', 'Their Card') }, tag: 'card@1.1.0', message: 'card: a new title' });
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/button.tsx`]: 'export const Button = () => "button";\n' }, tag: 'button@1.3.0', message: 'button renders its name' });
    const ci = await checkout('acme/conflicts');
    const main = await gitRevParse(repoDir(), 'refs/heads/main');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(1);

    const tip = await gitRevParse(repoDir(), 'refs/heads/forge/update');
    expect(await gitRevParse(repoDir(), `${tip}:${CARD}`)).toBe(await gitRevParse(repoDir(), `${main}:${CARD}`));
    expect(await git(['show', `${tip}:${BUTTON}/button.tsx`], { cwd: repoDir() })).toBe('export const Button = () => "button";');
    const lock = await git(['show', `${tip}:forge.lock.yaml`], { cwd: repoDir() });
    expect(lock).toMatch(/card:[\s\S]*version: 1\.0\.0/);
    expect(lock).toMatch(/button:[\s\S]*version: 1\.3\.0/);
    // Nothing of card's conflict reached the working tree either: no markers, no recorded conflict.
    expect(await readFile(join(ci, CARD, 'component.yaml'), 'utf8')).toBe(cardYaml('1.0.0', 'Our Card'));
    const conflicts = await forge(['sync', 'conflicts', 'list', '--json'], { cwd: ci, env: { FORGE_CACHE_DIR: cache } });
    expect(conflicts.json()).toEqual({ conflicts: [] });

    const cardLine = (await readFile(join(ci, 'forge.yaml'), 'utf8')).split('\n').findIndex((l) => l.startsWith('  card:')) + 1;
    expect(r.annotations).toContainEqual({
      level: 'error',
      properties: { file: 'forge.yaml', line: String(cardLine), title: 'forge sync pull --pr' },
      message: expect.stringContaining('card needs a person: Upstream 1.1.0 changes what this repository edited in component.yaml.'),
    });
    expect(r.stdout).toContain('Run locally: forge sync pull card --merge && forge sync resolve card');
    const [pr] = hub.github.pullRequests('acme/conflicts');
    expect(pr!.title).toBe('Update button to 1.3.0');
    expect(pr!.body).toContain('### Needs a person');
    expect(pr!.body).toContain('| `card` | 1.0.0 → 1.1.0 | conflicts in `component.yaml` | `forge sync pull card --merge && forge sync resolve card` |');
    expect(r.outputs).toMatchObject({ 'needs-person': '1', 'needs-person-components': '["card"]', changed: '["button"]', 'pr-operation': 'created' });
    expect(r.summary).toContain('### Needs a person');
    expect(hub.problems).toEqual([]);
  });

  it('someone else pushed to forge/update: the branch and the pull request are left alone, exit 1', async () => {
    const theirs = await commitToRepo(hub.git.root, 'acme/conflicts', { branch: 'forge/update', files: { 'notes.txt': 'a reviewer was here\n' }, message: 'a reviewer adds notes' });
    const before = hub.github.pullRequests('acme/conflicts')[0]!.body;
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/button.tsx`]: 'export const Button = () => "button!";\n' }, tag: 'button@1.3.1', message: 'button 1.3.1' });
    const ci = await checkout('acme/conflicts');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code).toBe(1);
    expect(await gitRevParse(repoDir(), 'refs/heads/forge/update')).toBe(theirs);
    expect(hub.github.pullRequests('acme/conflicts')[0]!.body).toBe(before);
    expect(r.stderr).toContain("holds a commit that is not forge's");
    expect(r.annotations.some((a) => a.level === 'error' && a.message.includes('forge/update'))).toBe(true);
    // Once the branch is deleted, forge takes it over again.
    await git(['update-ref', '-d', 'refs/heads/forge/update'], { cwd: repoDir() });
  });

  it('with nothing left to update (the updates landed on main by hand), the open update pull request is closed with a comment', async () => {
    // Someone settles card locally and brings button up to date on main.
    const pulled = await forge(['sync', 'pull', '--all', '--merge'], { cwd: dev, env: { ...hub.env(OWNER), FORGE_CACHE_DIR: cache } });
    expect(pulled.code).toBe(1);
    expect((await forge(['sync', 'resolve', 'card', '--prefer-local'], { cwd: dev, env: { FORGE_CACHE_DIR: cache } })).code).toBe(0);
    await gitAs(dev, ['add', '-A']);
    await gitAs(dev, ['commit', '-q', '-m', 'take the updates by hand']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);

    const ci = await checkout('acme/conflicts');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(0);
    const [pr] = hub.github.pullRequests('acme/conflicts');
    expect(pr!.state).toBe('closed');
    expect(pr!.comments.map((c) => c.body)).toEqual([expect.stringContaining('forge found nothing left to update')]);
    expect(r.outputs).toMatchObject({ 'pr-operation': 'closed', 'pr-number': String(pr!.number), changed: '[]' });
    expect(r.stdout).toContain(`Closed pull request #${pr!.number} (nothing left to update)`);
    expect(hub.problems).toEqual([]);

    // And a run after that changes nothing at all.
    const exchanges = hub.github.exchanges.length;
    const again = await inActions(await checkout('acme/conflicts'), ['sync', 'pull', '--all', '--pr']);
    expect(again.code, again.stderr).toBe(0);
    expect(hub.github.exchanges.slice(exchanges).filter((e) => e.method !== 'GET')).toEqual([]);
  });
});

describe('a single file and a folder with include/exclude', () => {
  it("the commit writes and removes only the component's files: the repository's own files beside them stay; equal to a local pull", async () => {
    await makeRepo(hub.git.root, 'acme/kit', {
      files: { 'kit/a.ts': 'export const a = 1;\n', 'kit/a.test.ts': 'test(a);\n', 'kit/old.ts': 'export const old = 0;\n', 'prompts/tone.md': 'Be warm.\n' },
      message: 'kit',
    });
    hub.github.addRepository('acme', 'kit');
    await makeRepo(hub.git.root, 'acme/shapes', { files: { 'README.md': 'shapes\n' }, message: 'start' });
    hub.github.addRepository('acme', 'shapes');
    actionsUser.repositories.push('acme/shapes');
    const dev = await checkout('acme/shapes');
    const env = { ...hub.env(OWNER), FORGE_CACHE_DIR: cache };
    expect((await forge(['init'], { cwd: dev, env })).code).toBe(0);
    const kit = await forge(['add', hub.address('acme/kit'), 'kit', '--ref', 'main', '--path', 'kit', '--dest', 'lib/kit', '--include', '*.ts', '--exclude', '*.test.ts'], { cwd: dev, env });
    expect(kit.code, kit.stderr).toBe(0);
    const tone = await forge(['add', hub.address('acme/kit'), 'tone', '--ref', 'main', '--path', 'prompts/tone.md', '--dest', 'docs/tone.md'], { cwd: dev, env });
    expect(tone.code, tone.stderr).toBe(0);
    // The repository's own files, in the component's folder (outside its selection) and beside the single file.
    await writeFile(join(dev, 'lib/kit/ours.md'), 'our notes on the kit\n');
    await writeFile(join(dev, 'docs/notes.md'), 'our notes\n');
    await gitAs(dev, ['add', '-A']);
    await gitAs(dev, ['commit', '-q', '-m', 'add kit and tone, with our notes']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);

    await commitToRepo(hub.git.root, 'acme/kit', {
      files: { 'kit/a.ts': 'export const a = 2;\n', 'kit/b.ts': 'export const b = 1;\n', 'kit/b.test.ts': 'test(b);\n', 'kit/old.ts': null, 'prompts/tone.md': 'Be warm and brief.\n' },
      message: 'kit: b, a = 2, old gone; a briefer tone',
    });
    const main = await gitRevParse(hub.github.gitDir('acme/shapes'), 'refs/heads/main');
    const r = await inActions(await checkout('acme/shapes'), ['sync', 'pull', '--all', '--pr']);
    expect(r.code, r.stderr).toBe(0);
    const tip = await gitRevParse(hub.github.gitDir('acme/shapes'), 'refs/heads/forge/update');
    await expectSameAsLocalPull('acme/shapes', tip, main);
    const changed = await git(['diff', '--name-status', main, tip], { cwd: hub.github.gitDir('acme/shapes') });
    expect(changed.split('\n').sort()).toEqual(['A\tlib/kit/b.ts', 'D\tlib/kit/old.ts', 'M\tdocs/tone.md', 'M\tforge.lock.yaml', 'M\tlib/kit/a.ts']);
    const show = (path: string) => git(['show', `${tip}:${path}`], { cwd: hub.github.gitDir('acme/shapes') });
    expect(await show('lib/kit/ours.md')).toBe('our notes on the kit');
    expect(await show('docs/notes.md')).toBe('our notes');
    expect(await show('docs/tone.md')).toBe('Be warm and brief.');
    expect(r.outputs).toMatchObject({ 'pr-operation': 'created', 'needs-person': '0' });
    expect(JSON.parse(r.outputs.changed!).sort()).toEqual(['kit', 'tone']);
  });
});

describe('--pr-per-component', () => {
  it('one pull request per component on forge/update/NAME; one whose component is current again is closed', async () => {
    await consumerRepository('split');
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${CARD}/card.css`]: '.card { margin: 1px; }\n' }, tag: 'card@1.2.0', message: 'card 1.2.0' });
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/button.tsx`]: 'export const Button = () => "1.4";\n' }, tag: 'button@1.4.0', message: 'button 1.4.0' });
    const ci = await checkout('acme/split');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr', '--pr-per-component']);
    expect(r.code, r.stderr).toBe(0);
    const prs = hub.github.pullRequests('acme/split');
    expect(prs.map((p) => [p.headRef, p.title, p.state]).sort()).toEqual([
      ['forge/update/button', 'Update button to 1.4.0', 'open'],
      ['forge/update/card', 'Update card to 1.2.0', 'open'],
    ]);
    const dir = hub.github.gitDir('acme/split');
    const main = await gitRevParse(dir, 'refs/heads/main');
    // Each branch changes its own component and its own lock entry, nothing else.
    for (const [name, folder] of [['button', BUTTON], ['card', CARD]] as const) {
      const tip = await gitRevParse(dir, `refs/heads/forge/update/${name}`);
      expect(await gitRevParse(dir, `${tip}^`)).toBe(main);
      const touched = (await git(['diff', '--name-only', main, tip], { cwd: dir })).split('\n');
      expect(touched.every((p) => p.startsWith(`${folder}/`) || p === 'forge.lock.yaml')).toBe(true);
      const lock = await git(['diff', main, tip, '--', 'forge.lock.yaml'], { cwd: dir });
      expect(lock).toContain(`+    version: ${name === 'button' ? '1.4.0' : '1.2.0'}`);
      expect(lock.split('\n').filter((l) => l.startsWith('+    version:'))).toHaveLength(1);
    }
    expect(JSON.parse(r.outputs['pull-requests']!)).toHaveLength(2);

    // card's update lands on main by hand: its pull request is closed, button's stays.
    const dev = await checkout('acme/split');
    expect((await forge(['sync', 'pull', 'card'], { cwd: dev, env: { ...hub.env(OWNER), FORGE_CACHE_DIR: cache } })).code).toBe(0);
    await gitAs(dev, ['add', '-A']);
    await gitAs(dev, ['commit', '-q', '-m', 'card by hand']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);
    const again = await inActions(await checkout('acme/split'), ['sync', 'pull', '--all', '--pr', '--pr-per-component']);
    expect(again.code, again.stderr).toBe(0);
    const after = Object.fromEntries(hub.github.pullRequests('acme/split').map((p) => [p.headRef, p.state]));
    expect(after).toEqual({ 'forge/update/button': 'open', 'forge/update/card': 'closed' });
    expect(hub.problems).toEqual([]);
  });
});

describe('tokens and bad input', () => {
  it('a token that may not create labels: the pull request is opened anyway, with a warning annotation', async () => {
    const token = 'ghs_N0LabelsN0LabelsN0LabelsN0LabelsN0La';
    hub.github.addUser({ login: 'ci2', token, kind: 'installation', repositories: ['acme/nolabels'], forbid: ['POST /repos/{owner}/{repo}/labels', 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels'] });
    await consumerRepository('nolabels');
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/button.tsx`]: 'export const Button = () => "1.4.1";\n' }, tag: 'button@1.4.1', message: 'button 1.4.1' });
    // Forbidden calls answer 403, which GitHub's description does not list for them.
    hub.problems.length = 0;
    const r = await inActions(await checkout('acme/nolabels'), ['sync', 'pull', '--all', '--pr'], { GITHUB_TOKEN: token });
    expect(r.code, r.stderr).toBe(0);
    const [pr] = hub.github.pullRequests('acme/nolabels');
    expect(pr).toMatchObject({ state: 'open', labels: [] });
    expect(r.annotations).toContainEqual(expect.objectContaining({ level: 'warning', message: expect.stringContaining('Could not label pull request #1 with forge, dependencies') }));
    expect(hub.problems.every((p) => p.includes('403'))).toBe(true);
    hub.problems.length = 0;
  });

  it('uncommitted changes to a component: exit 1 naming them, nothing pushed, nothing lost', async () => {
    await consumerRepository('dirty');
    const ci = await checkout('acme/dirty');
    await appendFile(join(ci, BUTTON, 'button.tsx'), '// not committed\n');
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`these have changes that are not committed: ${BUTTON}`);
    expect(await readFile(join(ci, BUTTON, 'button.tsx'), 'utf8')).toContain('// not committed');
    expect(hub.github.pullRequests('acme/dirty')).toEqual([]);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads'], { cwd: hub.github.gitDir('acme/dirty') })).toBe('refs/heads/main');
  });

  it('a commit origin does not have: exit 1 saying to push it first', async () => {
    const ci = await checkout('acme/dirty');
    await gitAs(ci, ['commit', '-q', '--allow-empty', '-m', 'local only']);
    const r = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not on origin (acme/dirty)');
    expect(r.stderr).toContain('git push origin main');
  });

  it('no origin, or an invalid --pr-branch: exit 2; --pr-branch without --pr: exit 2', async () => {
    const ci = await checkout('acme/dirty');
    await git(['remote', 'remove', 'origin'], { cwd: ci });
    const none = await inActions(ci, ['sync', 'pull', '--all', '--pr']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no remote named origin');
    const bad = await inActions(await checkout('acme/dirty'), ['sync', 'pull', '--all', '--pr', '--pr-branch', 'bad..name']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--pr-branch 'bad..name' is not a valid git branch name");
    const alone = await inActions(await checkout('acme/dirty'), ['sync', 'pull', '--all', '--pr-branch', 'x']);
    expect(alone.code).toBe(2);
  });

  it('without native git (isomorphic-git builds the commit): the same tree as with it', async () => {
    await consumerRepository('iso');
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/nested/deep/file.txt`]: 'deep\n', [`${BUTTON}/run.sh`]: { content: '#!/bin/sh\n', mode: '100755' } }, tag: 'button@1.4.2', message: 'button 1.4.2' });
    const r = await inActions(await checkout('acme/iso'), ['sync', 'pull', '--all', '--pr'], { FORGE_NATIVE_GIT: '0' });
    expect(r.code, r.stderr).toBe(0);
    const dir = hub.github.gitDir('acme/iso');
    const tip = await gitRevParse(dir, 'refs/heads/forge/update');
    await expectSameAsLocalPull('acme/iso', tip, await gitRevParse(dir, 'refs/heads/main'));
    expect(await git(['fsck', '--full', '--no-dangling'], { cwd: dir })).toBe('');
  });
});

describe('annotations of status, pull and push in a workflow', () => {
  it('status: a warning for outdated, a notice for modified, an error for a conflict, each on its line of forge.yaml; counts and the job summary', async () => {
    const dev = await consumerRepository('status');
    const line = async (name: string) => String((await readFile(join(dev, 'forge.yaml'), 'utf8')).split('\n').findIndex((l) => l.startsWith(`  ${name}:`)) + 1);
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${BUTTON}/button.tsx`]: 'export const Button = () => "1.5";\n' }, tag: 'button@1.5.0', message: 'button 1.5.0' });
    await appendFile(join(dev, CARD, 'card.css'), '/* ours */\n');

    const r = await inActions(dev, ['sync', 'status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.annotations).toEqual([
      { level: 'warning', properties: { file: 'forge.yaml', line: await line('button'), title: 'forge: button is outdated' }, message: expect.stringMatching(/^button \d+\.\d+\.\d+ is behind upstream 1\.5\.0\. Run 'forge sync pull button'\.$/) },
      { level: 'notice', properties: { file: 'forge.yaml', line: await line('card'), title: 'forge: card is modified' }, message: 'card has local changes to 1 file(s).' },
    ]);
    expect(r.outputs).toMatchObject({ outdated: '1', modified: '1', synced: '0', conflict: '0', changed: '["button","card"]' });
    expect(r.summary).toMatch(/\| button \| ⬆ outdated \| \d+\.\d+\.\d+ \| 1\.5\.0 \|/);

    // A pull that stops on a conflict says so where the component is declared, and so does status after it.
    await writeFile(join(dev, CARD, 'component.yaml'), cardYaml('1.2.0', 'Mine'));
    await commitToRepo(hub.git.root, 'acme/tools', { files: { [`${CARD}/component.yaml`]: cardYaml('1.3.0', 'Theirs') }, tag: 'card@1.3.0', message: 'card 1.3.0' });
    const pulled = await inActions(dev, ['sync', 'pull', 'card', '--merge']);
    expect(pulled.code).toBe(1);
    expect(pulled.annotations).toContainEqual({ level: 'error', properties: { file: 'forge.yaml', line: await line('card'), title: 'forge sync pull' }, message: expect.stringContaining("card: the merge left conflicts in component.yaml. Run 'forge sync resolve card'.") });
    const after = await inActions(dev, ['sync', 'status']);
    expect(after.annotations).toContainEqual({ level: 'error', properties: { file: 'forge.yaml', line: await line('card'), title: 'forge: card is conflict' }, message: expect.stringContaining('card has unresolved conflicts in component.yaml') });
  });

  it('push: a refusal names the component line of forge.yaml in its error annotation', async () => {
    const dev = await checkout('acme/status');
    await git(['checkout', '-q', 'main'], { cwd: dev });
    await appendFile(join(dev, BUTTON, 'button.tsx'), '// for upstream\n');
    const r = await inActions(dev, ['sync', 'push', 'button'], { GIT_AUTHOR_NAME: 'CI', GIT_AUTHOR_EMAIL: 'ci@example.com' });
    expect(r.code, r.stderr).toBe(4);
    const line = String((await readFile(join(dev, 'forge.yaml'), 'utf8')).split('\n').findIndex((l) => l.startsWith('  button:')) + 1);
    expect(r.annotations).toContainEqual({ level: 'error', properties: { file: 'forge.yaml', line, title: 'forge' }, message: expect.stringContaining('refused the push') });
  });
});

describe('the example in docs/github-actions.md', () => {
  it('is the body this run produces (with the loopback host shown as github.com)', async () => {
    const files = (name: string, version: string, extra: Record<string, string> = {}) => ({
      [`ui/${name}/component.yaml`]: `name: ${name}\nversion: ${version}\ntitle: ${name[0]!.toUpperCase()}${name.slice(1)}\n`,
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`ui/${name}/${k}`, v])),
    });
    await makeRepo(hub.git.root, 'acme/widgets', {
      files: { ...files('dialog', '1.0.0', { 'dialog.tsx': 'export const Dialog = () => null;\n', 'dialog.css': '.dialog {\n  padding: 8px;\n}\n' }), ...files('tabs', '1.0.0', { 'tabs.tsx': 'export const Tabs = () => null;\n' }), ...files('toast', '1.0.0') },
      tag: ['dialog@1.0.0', 'tabs@1.0.0', 'toast@1.0.0'],
      message: 'first release',
    });
    hub.github.addRepository('acme', 'widgets');
    await makeRepo(hub.git.root, 'acme/example', { files: { 'README.md': 'example\n' }, message: 'start' });
    hub.github.addRepository('acme', 'example');
    actionsUser.repositories.push('acme/example');
    const dev = await checkout('acme/example');
    const env = { ...hub.env(OWNER), FORGE_CACHE_DIR: cache };
    expect((await forge(['init'], { cwd: dev, env })).code).toBe(0);
    for (const name of ['dialog', 'tabs', 'toast']) expect((await forge(['add', hub.address('acme/widgets'), name, '--version', '^1.0.0'], { cwd: dev, env })).code).toBe(0);
    await writeFile(join(dev, 'ui/dialog/dialog.css'), '.dialog {\n  padding: 8px;\n  border-radius: 12px; /* ours */\n}\n');
    await writeFile(join(dev, 'ui/toast/component.yaml'), 'name: toast\nversion: 1.0.0\ntitle: Notification\n');
    await gitAs(dev, ['add', '-A']);
    await gitAs(dev, ['commit', '-q', '-m', 'vendor dialog, tabs and toast, with our touches']);
    await gitAs(dev, ['push', '-q', 'origin', 'main']);

    await commitToRepo(hub.git.root, 'acme/widgets', { files: files('dialog', '1.1.0', { 'dialog.tsx': 'export const Dialog = ({ open }) => (open ? "dialog" : null);\n' }), tag: 'dialog@1.1.0', message: 'dialog: open and close it (#31)' });
    await commitToRepo(hub.git.root, 'acme/widgets', { files: { 'CONTRIBUTING.md': 'Be kind.\n' }, message: 'docs: how to contribute' });
    await commitToRepo(hub.git.root, 'acme/widgets', { files: files('tabs', '1.0.1', { 'tabs.tsx': 'export const Tabs = () => "tabs";\n' }), tag: 'tabs@1.0.1', message: 'tabs: render something' });
    await commitToRepo(hub.git.root, 'acme/widgets', { files: { ...files('toast', '1.1.0'), 'ui/toast/component.yaml': 'name: toast\nversion: 1.1.0\ntitle: Toast message\n' }, tag: 'toast@1.1.0', message: 'toast: a clearer title' });

    const r = await inActions(await checkout('acme/example'), ['sync', 'pull', '--all', '--pr']);
    expect(r.code).toBe(1);
    const body = hub.github.pullRequests('acme/example')[0]!.body!.split(hub.git.url).join('https://github.com');
    const page = await readFile(fileURLToPath(new URL('../../docs/github-actions.md', import.meta.url)), 'utf8');
    const example = /<!-- example body: begin -->\n````markdown\n([\s\S]*?)\n````\n<!-- example body: end -->/.exec(page)?.[1];
    expect(example, `docs/github-actions.md must show this body:\n${body}`).toBe(body);
  });
});
