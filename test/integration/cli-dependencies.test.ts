// Dependencies between components, end to end: the built CLI against three upstream
// repositories (crm-tools, communication, reports) served over loopback HTTP. Every
// locked commit and tree is checked against `git rev-parse` on the served repositories.

import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const SF = 'components/tools/salesforce-lookup';
const GHOST = 'components/tools/needs-ghost';
const MAILER = 'components/tools/mailer';
const EMAIL = 'components/email/email-composer';
const SMS = 'components/sms/sms-sender';
const REPORTS = 'components/reports';

let server: GitServer;
let cache: string;

/** One set of the three upstream repositories, under its own folder of the server. */
interface Upstreams {
  prefix: string;
  crm: string;
  comm: string;
  reports: string;
  bare: (repo: 'crm-tools' | 'communication' | 'reports') => string;
}

const sfYaml = (version: string, emailRange: string, comm: string) =>
  `name: salesforce-lookup\nversion: ${version}\ndependencies:\n  - repository: ${comm}\n    component: email-composer\n    version: "${emailRange}"\n`;
const reportsYaml = (version: string, emailRange: string, comm: string) =>
  `name: reports\nversion: ${version}\ndependencies:\n  - repository: ${comm}\n    path: ${EMAIL}\n    version: "${emailRange}"\n  - repository: ${comm}\n    component: sms-sender\n    version: ^1.0.0\n`;

async function makeUpstreams(prefix: string): Promise<Upstreams> {
  const root = server.root;
  const comm = `${server.url}/${prefix}/communication.git`;
  const u: Upstreams = {
    prefix,
    crm: `${server.url}/${prefix}/crm-tools.git`,
    comm,
    reports: `${server.url}/${prefix}/reports.git`,
    bare: (repo) => repoDir(root, `${prefix}/${repo}`),
  };
  // communication: two components with component-scoped tags, plus a repository-wide tag that must be ignored.
  await makeRepo(root, `${prefix}/communication`, {
    files: {
      [`${EMAIL}/component.yaml`]: 'name: email-composer\nversion: 1.3.0\n',
      [`${EMAIL}/template.txt`]: 'Hello 1.3.0\n',
      [`${SMS}/component.yaml`]: 'name: sms-sender\nversion: 1.0.0\n',
      [`${SMS}/send.sh`]: { content: '#!/bin/sh\necho sms\n', mode: '100755' },
    },
    tag: ['email-composer@1.3.0', 'sms-sender@1.0.0'],
  });
  for (const v of ['1.3.2', '2.0.0', '2.1.0']) {
    await commitToRepo(root, `${prefix}/communication`, {
      files: { [`${EMAIL}/component.yaml`]: `name: email-composer\nversion: ${v}\n`, [`${EMAIL}/template.txt`]: `Hello ${v}\n` },
      tag: v === '2.1.0' ? [`email-composer@${v}`, 'v9.9.9'] : `email-composer@${v}`,
    });
  }
  // crm-tools: repository-wide tags. 2.1.0 needs email-composer ^2.0.0 (by name), 2.1.5 needs ~1.3.0.
  await makeRepo(root, `${prefix}/crm-tools`, {
    files: {
      [`${SF}/component.yaml`]: sfYaml('2.1.0', '^2.0.0', comm),
      [`${SF}/lookup.py`]: 'def lookup(x):\n    return x\n',
      [`${GHOST}/component.yaml`]: `name: needs-ghost\ndependencies:\n  - repository: ${comm}\n    component: ghost\n    version: ^1.0.0\n`,
      [`${MAILER}/component.yaml`]: 'name: mailer\n',
      [`${MAILER}/mail.txt`]: 'mail\n',
    },
    tag: ['v2.1.0', 'needs-ghost@1.0.0', 'mailer@1.0.0'],
  });
  await commitToRepo(root, `${prefix}/crm-tools`, { files: { [`${SF}/component.yaml`]: sfYaml('2.1.5', '~1.3.0', comm) }, tag: 'v2.1.5', annotated: true });
  // reports: the report component (email-composer by path, sms-sender by name) and a cycle ca -> cb -> ca.
  await makeRepo(root, `${prefix}/reports`, {
    files: {
      [`${REPORTS}/component.yaml`]: reportsYaml('1.0.0', '^2.0.0', comm),
      [`${REPORTS}/report.md`]: '# Report\n',
      'components/ca/component.yaml': `name: ca\ndependencies:\n  - repository: ${u.reports}\n    component: cb\n    version: ^1.0.0\n`,
      'components/cb/component.yaml': `name: cb\ndependencies:\n  - repository: ${u.reports}\n    component: ca\n    version: ^1.0.0\n`,
    },
    tag: ['v1.0.0', 'ca@1.0.0', 'cb@1.0.0'],
  });
  return u;
}

const env = () => ({ FORGE_CACHE_DIR: cache });
const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: env() });
const lockOf = async (cwd: string) => parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-deps-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  return dir;
}

async function writeManifest(dir: string, components: Record<string, Record<string, string>>): Promise<void> {
  const lines = ['components:'];
  for (const [name, fields] of Object.entries(components)) {
    lines.push(`  ${name}:`);
    for (const [k, v] of Object.entries(fields)) lines.push(`    ${k}: "${v}"`);
  }
  await writeFile(join(dir, 'forge.yaml'), lines.join('\n') + '\n');
}

/** Every file of the workspace (outside .git and .forge) with its content: to prove nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (p === '.git' || p === '.forge') continue;
      if (e.isDirectory()) await walk(p);
      else out[p] = await readFile(join(dir, p), 'utf8');
    }
  };
  await walk('');
  return out;
}

/** The tree id git computes for a folder of the workspace (via its index, without committing). */
async function gitTreeOf(cwd: string, folder: string): Promise<string> {
  await git(['add', '-A', '--', folder], { cwd });
  const tree = await git(['write-tree'], { cwd });
  return git(['rev-parse', `${tree}:${folder}`], { cwd });
}

/** Locked commit and tree equal what git says for `rev`, and the folder hashes to that tree. */
async function expectLockedAt(dir: string, name: string, bare: string, rev: string): Promise<void> {
  const entry = (await lockOf(dir)).components[name];
  expect(entry, `lock entry ${name}`).toBeDefined();
  expect(entry.commit).toBe(await gitRevParse(bare, `${rev}^{commit}`));
  expect(entry.tree).toBe(await gitRevParse(bare, `${rev}:${entry.path}`));
  expect(await gitTreeOf(dir, entry.dest)).toBe(entry.tree);
}

const AVAILABLE = '(available: 2.1.0, 2.0.0, 1.3.2, 1.3.0)';

const upstreams: Record<string, Promise<Upstreams>> = {};

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-cache-');
  // Three sets of the same repositories, built in parallel: one to read, two that later move upstream.
  for (const prefix of ['main', 'locked', 'status']) upstreams[prefix] = makeUpstreams(prefix);
  await Promise.all(Object.values(upstreams));
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

// Independent workspaces: these run side by side.
describe.concurrent('resolution through component.yaml dependencies', () => {
  let u: Upstreams;
  beforeAll(async () => {
    u = await upstreams.main!;
  });

  it('backtracks to an older salesforce-lookup, installs the shared email-composer once, in topological order', async () => {
    const dir = await workspace();
    await writeManifest(dir, {
      'salesforce-lookup': { repository: u.crm, version: '^2.1.0' },
      reports: { repository: u.reports, version: '^1.0.0' },
    });
    const pulled = await run(dir, 'sync', 'pull');
    expect(pulled.code, pulled.stderr).toBe(0);

    const lock = await lockOf(dir);
    expect(Object.keys(lock.components).sort()).toEqual(['email-composer', 'reports', 'salesforce-lookup', 'sms-sender']);
    // 2.1.5 is newest but needs email-composer ~1.3.0, which clashes with reports' ^2.0.0.
    expect(lock.components['salesforce-lookup']).toMatchObject({ version: '2.1.0', ref: 'refs/tags/v2.1.0', path: SF, dependencies: ['email-composer'] });
    expect(lock.components.reports).toMatchObject({ version: '1.0.0', path: REPORTS, dependencies: ['email-composer', 'sms-sender'] });
    // Component-scoped tags win over the repository-wide v9.9.9.
    expect(lock.components['email-composer']).toMatchObject({
      version: '2.1.0',
      ref: 'refs/tags/email-composer@2.1.0',
      path: EMAIL,
      dest: EMAIL,
      constraint: '^2.0.0',
      dependencies: [],
      requiredBy: ['reports', 'salesforce-lookup'],
    });
    expect(lock.components['sms-sender']).toMatchObject({ version: '1.0.0', ref: 'refs/tags/sms-sender@1.0.0', requiredBy: ['reports'] });
    await expectLockedAt(dir, 'salesforce-lookup', u.bare('crm-tools'), 'v2.1.0');
    await expectLockedAt(dir, 'reports', u.bare('reports'), 'v1.0.0');
    await expectLockedAt(dir, 'email-composer', u.bare('communication'), 'email-composer@2.1.0');
    await expectLockedAt(dir, 'sms-sender', u.bare('communication'), 'sms-sender@1.0.0');
    expect((await stat(join(dir, SMS, 'send.sh'))).mode & 0o111).not.toBe(0);

    // Installed once: one folder for email-composer, nothing else under components/email.
    expect(await readdir(join(dir, 'components/email'))).toEqual(['email-composer']);
    expect(await readFile(join(dir, EMAIL, 'template.txt'), 'utf8')).toBe('Hello 2.1.0\n');
    expect(pulled.stdout.match(/Installed email-composer/g)).toHaveLength(1);

    // Topological: each dependency is installed before what needs it.
    const order = [...pulled.stdout.matchAll(/Installed (\S+)/g)].map((m) => m[1]);
    expect(order).toHaveLength(4);
    expect(order.indexOf('email-composer')).toBeLessThan(order.indexOf('salesforce-lookup'));
    expect(order.indexOf('email-composer')).toBeLessThan(order.indexOf('reports'));
    expect(order.indexOf('sms-sender')).toBeLessThan(order.indexOf('reports'));

    // The lock is deterministic: a no-op pull leaves it byte for byte.
    const before = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    expect((await run(dir, 'sync', 'pull')).code).toBe(0);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(before);
  });

  it('alone, salesforce-lookup takes its newest version and the email-composer range it asks for', async () => {
    const dir = await workspace();
    const added = await run(dir, 'add', u.crm, 'salesforce-lookup', '--version', '^2.1.0');
    expect(added.code, added.stderr).toBe(0);
    const lock = await lockOf(dir);
    expect(lock.components['salesforce-lookup']).toMatchObject({ version: '2.1.5', dependencies: ['email-composer'] });
    expect(lock.components['email-composer']).toMatchObject({ version: '1.3.2', constraint: '~1.3.0', requiredBy: ['salesforce-lookup'] });
    await expectLockedAt(dir, 'salesforce-lookup', u.bare('crm-tools'), 'v2.1.5');
    await expectLockedAt(dir, 'email-composer', u.bare('communication'), 'email-composer@1.3.2');

    // Adding reports (email-composer ^2.0.0) only works with the older salesforce-lookup: the solver
    // has to move that locked version, and the lock it writes stays consistent with itself and with git.
    const add = await run(dir, 'add', u.reports, 'reports', '--version', '^1.0.0');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Updating salesforce-lookup: 2\.1\.5 \(\w+\) → 2\.1\.0/);
    const after = await lockOf(dir);
    expect(after.components['salesforce-lookup']).toMatchObject({ version: '2.1.0', dependencies: ['email-composer'] });
    expect(after.components['email-composer']).toMatchObject({ version: '2.1.0', requiredBy: ['reports', 'salesforce-lookup'] });
    await expectLockedAt(dir, 'salesforce-lookup', u.bare('crm-tools'), 'v2.1.0');
    await expectLockedAt(dir, 'email-composer', u.bare('communication'), 'email-composer@2.1.0');
    await expectLockedAt(dir, 'reports', u.bare('reports'), 'v1.0.0');
  });

  it('no solution: a short chain naming both dependents and the versions there are; exit 1, nothing written', async () => {
    const dir = await workspace();
    await writeManifest(dir, {
      'salesforce-lookup': { repository: u.crm, version: '2.1.5' },
      reports: { repository: u.reports, version: '^1.0.0' },
    });
    const before = await snapshot(dir);
    const result = await run(dir, 'sync', 'pull');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `salesforce-lookup 2.1.5 needs email-composer ~1.3.0; reports 1.0.0 needs email-composer ^2.0.0; no version of email-composer satisfies both ${AVAILABLE}`,
    );
    expect(await snapshot(dir)).toEqual(before);

    // The same clash met by `forge add` leaves forge.yaml, the lock and the folders alone.
    const dir2 = await workspace();
    expect((await run(dir2, 'add', u.reports, 'reports', '--version', '^1.0.0')).code).toBe(0);
    const before2 = await snapshot(dir2);
    const add = await run(dir2, 'add', u.crm, 'salesforce-lookup', '--version', '2.1.5');
    expect(add.code).toBe(1);
    expect(add.stderr).toContain('salesforce-lookup 2.1.5 needs email-composer ~1.3.0');
    expect(add.stderr).toContain('reports 1.0.0 needs email-composer ^2.0.0');
    expect(add.stderr).toContain(`no version of email-composer satisfies both ${AVAILABLE}`);
    expect(await snapshot(dir2)).toEqual(before2);
  });

  it("exit 2 when the user's own forge.yaml asks for what does not exist; nothing written", async () => {
    const dir = await workspace();
    await writeManifest(dir, { reports: { repository: u.reports, version: '^7.0.0' } });
    const before = await snapshot(dir);
    const result = await run(dir, 'sync', 'pull');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('^7.0.0');
    expect(result.stderr).toContain('available: 1.0.0');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a dependency cycle is shown as the cycle; exit 1, nothing written', async () => {
    const dir = await workspace();
    const before = await snapshot(dir);
    const result = await run(dir, 'add', u.reports, 'ca', '--version', '^1.0.0');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Dependency cycle: ca -> cb -> ca');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a missing dependency names who asked and the repository searched; exit 1, nothing written', async () => {
    const dir = await workspace();
    const before = await snapshot(dir);
    const result = await run(dir, 'add', u.crm, 'needs-ghost', '--version', '^1.0.0');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("needs-ghost 1.0.0 needs component 'ghost'");
    expect(result.stderr).toContain(`needs component 'ghost', but ${u.comm} has none by that name (components there: email-composer, sms-sender)`);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('two components wanting the same local name, or the same dest, is an error naming both; nothing written', async () => {
    // Local name: a direct component called email-composer (really crm-tools' mailer) and salesforce-lookup's dependency.
    const dir = await workspace();
    expect((await run(dir, 'add', u.crm, 'mailer', '--name', 'email-composer', '--version', '^1.0.0')).code).toBe(0);
    let before = await snapshot(dir);
    let result = await run(dir, 'add', u.crm, 'salesforce-lookup', '--version', '2.1.5');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Two different components want the local name 'email-composer'`);
    expect(result.stderr).toContain(`${u.crm} ${MAILER}`);
    expect(result.stderr).toContain(`${u.comm} ${EMAIL}`);
    expect(await snapshot(dir)).toEqual(before);

    // dest: a direct component installed where a dependency must go.
    const dir2 = await workspace();
    expect((await run(dir2, 'add', u.crm, 'mailer', '--version', '^1.0.0', '--dest', EMAIL)).code).toBe(0);
    before = await snapshot(dir2);
    result = await run(dir2, 'add', u.crm, 'salesforce-lookup', '--version', '2.1.5');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Components '(mailer' and 'email-composer|email-composer' and 'mailer)' both want the path 'components\/email\/email-composer'/);
    expect(await snapshot(dir2)).toEqual(before);

    // Two components of forge.yaml itself with the same dest: the user's file is at fault (exit 2).
    const dir3 = await workspace();
    await writeManifest(dir3, {
      mailer: { repository: u.crm, version: '^1.0.0', dest: 'vendor/x' },
      sms: { repository: u.comm, path: SMS, version: '^1.0.0', dest: 'vendor/x' },
    });
    before = await snapshot(dir3);
    result = await run(dir3, 'sync', 'pull');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("forge.yaml:6: component 'sms': field 'dest' 'vendor/x' overlaps the folder 'vendor/x' of component 'mailer' (line 2)");
    expect(await snapshot(dir3)).toEqual(before);
  });
});

describe('locked versions, removal and the graph', () => {
  let u: Upstreams;
  let dir: string;
  beforeAll(async () => {
    u = await upstreams.locked!;
    dir = await workspace();
    await writeManifest(dir, {
      'salesforce-lookup': { repository: u.crm, version: '^2.1.0' },
      reports: { repository: u.reports, version: '^1.0.0' },
    });
    const pulled = await run(dir, 'sync', 'pull');
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it('forge graph shows components, locked versions and the range that pulled each in (tree, mermaid, dot)', async () => {
    const tree = await run(dir, 'graph');
    expect(tree.code).toBe(0);
    expect(tree.stdout.trim()).toBe(
      [
        'reports 1.0.0 (^1.0.0, from forge.yaml)',
        '├── email-composer 2.1.0 (^2.0.0, from reports)',
        '└── sms-sender 1.0.0 (^1.0.0, from reports)',
        'salesforce-lookup 2.1.0 (^2.1.0, from forge.yaml)',
        '└── email-composer 2.1.0 (^2.0.0, from salesforce-lookup) (deduped)',
      ].join('\n'),
    );
    const mermaid = await run(dir, 'graph', '--format', 'mermaid');
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain('graph TD');
    expect(mermaid.stdout).toContain('n0["email-composer 2.1.0"]');
    expect(mermaid.stdout).toContain('n3["sms-sender 1.0.0"]');
    expect(mermaid.stdout).toContain('root -->|"^2.1.0"| n2');
    expect(mermaid.stdout).toContain('n1 -->|"^2.0.0"| n0');
    expect(mermaid.stdout).toContain('n2 -->|"^2.0.0"| n0');
    const dot = await run(dir, 'graph', '--format', 'dot');
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph forge \{/);
    expect(dot.stdout).toContain('"salesforce-lookup" [label="salesforce-lookup 2.1.0"];');
    expect(dot.stdout).toContain('"forge.yaml" -> "reports" [label="^1.0.0"];');
    expect(dot.stdout).toContain('"reports" -> "sms-sender" [label="^1.0.0"];');
    expect(dot.stdout).toContain('"salesforce-lookup" -> "email-composer" [label="^2.0.0"];');
    const json = (await run(dir, 'graph', '--json')).json();
    expect(json.components.map((c: { name: string }) => c.name).sort()).toEqual(['email-composer', 'reports', 'salesforce-lookup', 'sms-sender']);
  });

  it('status: salesforce-lookup 2.1.5 is newer within its range but blocked by reports, and says why', async () => {
    const json = (await run(dir, 'sync', 'status', '--json')).json();
    const byName = Object.fromEntries(json.components.map((c: { name: string }) => [c.name, c]));
    // The state is the contract's (a newer commit within the constraint); the problem says pull cannot take it.
    expect(byName['salesforce-lookup']).toMatchObject({ status: 'outdated', latestVersion: '2.1.5', behind: true });
    expect(byName['salesforce-lookup'].problems).toEqual([
      `upgrade blocked: salesforce-lookup 2.1.5 needs email-composer ~1.3.0; reports 1.0.0 needs email-composer ^2.0.0; no version of email-composer satisfies both ${AVAILABLE}`,
    ]);
    for (const name of ['reports', 'email-composer', 'sms-sender']) {
      expect(byName[name]).toMatchObject({ status: 'synced', problems: [] });
    }
  });

  it('locked versions are kept on pull OTHER, moved on pull NAME, --to and a changed range', async () => {
    // Upstream moves on: salesforce-lookup 2.1.6 (back on email-composer ^2.0.0), email-composer 2.2.0, reports 1.0.1.
    await commitToRepo(server.root, 'locked/crm-tools', { files: { [`${SF}/component.yaml`]: sfYaml('2.1.6', '^2.0.0', u.comm) }, tag: 'v2.1.6' });
    await commitToRepo(server.root, 'locked/communication', { files: { [`${EMAIL}/template.txt`]: 'Hello 2.2.0\n' }, tag: 'email-composer@2.2.0' });
    await commitToRepo(server.root, 'locked/reports', { files: { [`${REPORTS}/report.md`]: '# Report 1.0.1\n' }, tag: 'v1.0.1' });

    const lock0 = await lockOf(dir);
    const pullReports = await run(dir, 'sync', 'pull', 'reports');
    expect(pullReports.code, pullReports.stderr).toBe(0);
    const lock1 = await lockOf(dir);
    expect(lock1.components.reports.version).toBe('1.0.1');
    await expectLockedAt(dir, 'reports', u.bare('reports'), 'v1.0.1');
    // Not asked for: salesforce-lookup and the shared email-composer stay exactly as locked.
    expect(lock1.components['salesforce-lookup']).toEqual(lock0.components['salesforce-lookup']);
    expect(lock1.components['email-composer']).toEqual(lock0.components['email-composer']);
    expect(lock1.components['sms-sender']).toEqual(lock0.components['sms-sender']);

    const pullSf = await run(dir, 'sync', 'pull', 'salesforce-lookup');
    expect(pullSf.code, pullSf.stderr).toBe(0);
    const lock2 = await lockOf(dir);
    expect(lock2.components['salesforce-lookup'].version).toBe('2.1.6');
    await expectLockedAt(dir, 'salesforce-lookup', u.bare('crm-tools'), 'v2.1.6');
    expect(lock2.components.reports).toEqual(lock1.components.reports);

    // --to moves to a chosen version (an older one here).
    const to = await run(dir, 'sync', 'pull', 'salesforce-lookup', '--to', '2.1.0');
    expect(to.code, to.stderr).toBe(0);
    expect((await lockOf(dir)).components['salesforce-lookup'].version).toBe('2.1.0');
    await expectLockedAt(dir, 'salesforce-lookup', u.bare('crm-tools'), 'v2.1.0');
    expect((await lockOf(dir)).components.reports).toEqual(lock1.components.reports);

    // A changed range in forge.yaml frees that component, even when another one is pulled.
    const manifest = await readFile(join(dir, 'forge.yaml'), 'utf8');
    await writeFile(join(dir, 'forge.yaml'), manifest.replace('version: "^1.0.0"', 'version: "1.0.0"'));
    const changed = await run(dir, 'sync', 'pull', 'salesforce-lookup');
    expect(changed.code, changed.stderr).toBe(0);
    const lock3 = await lockOf(dir);
    expect(lock3.components.reports).toMatchObject({ version: '1.0.0', constraint: '1.0.0' });
    await expectLockedAt(dir, 'reports', u.bare('reports'), 'v1.0.0');
    expect(lock3.components['salesforce-lookup'].version).toBe('2.1.6');
    await writeFile(join(dir, 'forge.yaml'), manifest);
    expect((await run(dir, 'sync', 'pull', 'reports')).code).toBe(0);
    expect((await lockOf(dir)).components.reports.version).toBe('1.0.1');
  });

  it('remove drops dependencies nobody else needs and keeps shared ones', async () => {
    const removed = await run(dir, 'remove', 'reports');
    expect(removed.code, removed.stderr).toBe(0);
    const lock = await lockOf(dir);
    expect(Object.keys(lock.components).sort()).toEqual(['email-composer', 'salesforce-lookup']);
    expect(lock.components['email-composer'].requiredBy).toEqual(['salesforce-lookup']);
    await expect(stat(join(dir, SMS))).rejects.toThrow();
    await expect(stat(join(dir, REPORTS))).rejects.toThrow();
    await expectLockedAt(dir, 'email-composer', u.bare('communication'), lock.components['email-composer'].ref);
    const manifest = parse(await readFile(join(dir, 'forge.yaml'), 'utf8'));
    expect(Object.keys(manifest.components)).toEqual(['salesforce-lookup']);

    // A dependency is not removed on its own.
    const dep = await run(dir, 'remove', 'email-composer');
    expect(dep.code).toBe(2);
    expect(dep.stderr).toContain("'email-composer' is a dependency of salesforce-lookup");

    expect((await run(dir, 'remove', 'salesforce-lookup')).code).toBe(0);
    expect((await lockOf(dir)).components).toEqual({});
    await expect(stat(join(dir, EMAIL))).rejects.toThrow();
  });
});

describe('forge sync status after upstream changes', () => {
  let u: Upstreams;
  let dir: string;
  beforeAll(async () => {
    u = await upstreams.status!;
    dir = await workspace();
    await writeManifest(dir, { reports: { repository: u.reports, version: '^1.0.0' } });
    const pulled = await run(dir, 'sync', 'pull');
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it('when nothing moved upstream, status fetches nothing (cold cache) and reports no problems', async () => {
    const cold = await tempDir('forge-cold-cache-');
    server.resetCounts();
    const status = await forge(['sync', 'status', '--json'], { cwd: dir, env: { FORGE_CACHE_DIR: cold } });
    expect(status.code, status.stderr).toBe(0);
    for (const c of status.json().components) expect(c).toMatchObject({ status: 'synced', problems: [] });
    for (const repo of ['crm-tools', 'communication', 'reports']) expect(server.countFetches(`status/${repo}`)).toBe(0);
  });

  it('says when the newest allowed version needs a dependency range nobody satisfies', async () => {
    await commitToRepo(server.root, 'status/reports', { files: { [`${REPORTS}/component.yaml`]: reportsYaml('1.1.0', '^3.0.0', u.comm) }, tag: 'v1.1.0' });
    const json = (await run(dir, 'sync', 'status', '--json')).json();
    const reports = json.components.find((c: { name: string }) => c.name === 'reports');
    // The state is the contract's: upstream has a newer commit within the range.
    expect(reports).toMatchObject({ status: 'outdated', behind: true, latestVersion: '1.1.0' });
    expect(reports.problems).toEqual([
      `upgrade blocked: reports 1.1.0 needs email-composer ^3.0.0; no version of email-composer matches ^3.0.0 ${AVAILABLE}`,
    ]);
    const table = await run(dir, 'sync', 'status');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('✗ reports: upgrade blocked: reports 1.1.0 needs email-composer ^3.0.0');
    const detailed = await run(dir, 'sync', 'status', 'reports', '--detailed');
    expect(detailed.stdout).toContain('✗ upgrade blocked: reports 1.1.0 needs email-composer ^3.0.0');
    // pull agrees: nothing can move, nothing is written.
    const lockBefore = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    expect((await run(dir, 'sync', 'pull', 'reports')).code).toBe(0);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(lockBefore);
  });

  it("a dependency whose locked tag is gone upstream (no version left) is detached, and pull keeps it where it is", async () => {
    // Every sms-sender tag disappears: the locked version stays (issue 7.8: never a downgrade, never a failure for it).
    await git(['tag', '-d', 'sms-sender@1.0.0'], { cwd: u.bare('communication') });
    const json = (await run(dir, 'sync', 'status', '--json')).json();
    const sms = json.components.find((c: { name: string }) => c.name === 'sms-sender');
    expect(sms).toMatchObject({ status: 'detached', behind: false, version: '1.0.0', problems: [] });
    const before = await snapshot(dir);
    const pull = await run(dir, 'sync', 'pull');
    expect(pull.code, pull.stderr).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
  });
});
