// Help, version and errors through the built binary, as gh, git and cargo users type them:
// `forge help`, `forge help sync pull`, `-h`, `forge version`, `-v`, unknown commands with the
// nearest real one, usage errors with their whole message (in --json too), one error style.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, tempDir } from '../helpers/fixtures.js';

vi.setConfig({ testTimeout: 60_000 });

let cwd: string;
const run = (...args: string[]) => forge(args, { cwd });
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

beforeAll(async () => {
  cwd = await tempDir('forge-help-');
});
afterAll(cleanupTempDirs);

/** oclif's own error styles, which forge replaces with its one `Error: …` line and hint. */
const OCLIF_STYLE = /›|Error: command |not found\b|See more help with/;
const INTERNAL_ID = /\b[a-z]+:[a-z]+(:[a-z]+)*\b/;

describe.concurrent('help', () => {
  it('forge help, forge -h and forge --help print the root help: topics and commands', async () => {
    const runs = await Promise.all([run('help'), run('-h'), run('--help')]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('USAGE');
      expect(r.stdout).toMatch(/TOPICS[\s\S]*sync\s+Status, pull/);
      expect(r.stdout).toMatch(/COMMANDS[\s\S]*add\s+Add a component/);
    }
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
    expect(runs[2]!.stdout).toBe(runs[0]!.stdout);
  });

  it('forge help sync pull, forge sync pull -h and --help print the command’s help with its flags and examples', async () => {
    const runs = await Promise.all([run('help', 'sync', 'pull'), run('sync', 'pull', '-h'), run('sync', 'pull', '--help')]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Bring components to the newest upstream commit');
      expect(r.stdout).toMatch(/\$ forge sync pull \[COMPONENT\.\.\.\]/);
      expect(r.stdout).toContain('--merge');
      expect(r.stdout).toMatch(/-q, --quiet/);
      expect(r.stdout).toMatch(/-v, --verbose/);
      expect(r.stdout).toContain('$ forge sync pull salesforce-lookup --merge');
    }
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
  });

  it('forge add -h shows add’s help, even with arguments before it', async () => {
    for (const r of await Promise.all([run('add', '-h'), run('add', 'github.com/o/r', 'x', '-h')])) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\$ forge add REPOSITORY COMPONENT/);
      expect(r.stdout).toContain('--version=<value>');
    }
  });

  it('forge help sync and forge sync list the topic’s commands', async () => {
    for (const r of await Promise.all([run('help', 'sync'), run('sync')])) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/sync pull\s+Bring components/);
      expect(r.stdout).toMatch(/sync status\s+Show the state/);
    }
  });

  it('forge help help and forge help version show those commands’ help', async () => {
    const [help, version] = await Promise.all([run('help', 'help'), run('help', 'version')]);
    expect(help.stdout).toMatch(/^Show help for forge, a topic or a command\./);
    expect(help.stdout).toContain('$ forge help [COMMAND...]');
    expect(version.stdout).toMatch(/^Show the version of forge/);
  });

  it('forge help --json describes every command, its arguments and flags', async () => {
    const r = await run('help', '--json');
    expect(r.code).toBe(0);
    const { commands } = r.json<{ commands: { command: string; flags: { name: string; char: string | null }[]; arguments: { name: string }[] }[] }>();
    const pull = commands.find((c) => c.command === 'sync pull')!;
    expect(pull.flags.map((f) => f.name)).toEqual(expect.arrayContaining(['merge', 'rebase', 'overwrite', 'stash', 'quiet', 'verbose', 'json']));
    expect(pull.flags.find((f) => f.name === 'quiet')!.char).toBe('q');
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['add', 'help', 'version', 'autocomplete', 'sync status']));
    const add = await run('help', 'add', '--json');
    expect(add.json().commands.map((c: { command: string }) => c.command)).toEqual(['add']);
    expect(add.json().commands[0].arguments.map((a: { name: string }) => a.name)).toEqual(['REPOSITORY', 'COMPONENT']);
  });
});

describe.concurrent('version', () => {
  it('forge version, forge -v and forge --version print the same version line', async () => {
    const runs = await Promise.all([run('version'), run('-v'), run('--version')]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^${pkg.name}/${pkg.version.replace(/\./g, '\\.')} ${process.platform}-${process.arch} node-${process.version}$`));
    }
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
    expect(runs[2]!.stdout).toBe(runs[0]!.stdout);
  });

  it('forge version --json', async () => {
    const r = await run('version', '--json');
    expect(r.json()).toEqual({ name: pkg.name, version: pkg.version, node: process.version, platform: process.platform, arch: process.arch });
  });

  it('-v on a command is --verbose, not the version', async () => {
    const r = await run('sync', 'status', '-v');
    expect(r.stdout).not.toContain(pkg.version);
    // No workspace here: the usual error, exit 2, nothing about versions.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No forge.yaml');
  });
});

describe.concurrent('unknown commands', () => {
  it('a typo suggests the nearest command: forge staus → forge sync status (exit 2)', async () => {
    const r = await run('staus');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("Error: 'staus' is not a forge command.\nDid you mean 'forge sync status'?\n");
  });

  it('forge status and forge pull point at forge sync status and forge sync pull', async () => {
    const [status, pull] = await Promise.all([run('status'), run('pull', '--all')]);
    expect(status.stderr).toBe("Error: 'status' is not a forge command.\nDid you mean 'forge sync status'?\n");
    expect(pull.stderr).toBe("Error: 'pull' is not a forge command.\nDid you mean 'forge sync pull'?\n");
    expect(status.code).toBe(2);
    expect(pull.code).toBe(2);
  });

  it('internal ids never reach the user: forge sync push x speaks of `sync push`', async () => {
    const runs = await Promise.all([run('sync', 'bogus', 'x'), run('sync', 'bogus', '--help'), run('help', 'sync', 'bogus'), run('sync', 'stash', 'drop', 'x')]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(INTERNAL_ID);
      expect(r.stderr).not.toMatch(OCLIF_STYLE);
      expect(r.stderr).toMatch(/^Error: '(sync bogus|sync stash drop)' is not a forge command\.\n/);
    }
    expect(runs[0]!.stderr).toBe("Error: 'sync bogus' is not a forge command.\nRun 'forge help sync' to see its commands.\n");
  });

  it('under --json the error is JSON on stdout, with the suggestions', async () => {
    const r = await run('staus', '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(r.json()).toEqual({
      error: { code: 'E_USAGE', message: "'staus' is not a forge command.", hint: "Did you mean 'forge sync status'?", command: 'staus', suggestions: ['sync status'] },
    });
  });

  it('habits from npm and cargo: forge install → forge add', async () => {
    const r = await run('install', 'x');
    expect(r.stderr).toBe("Error: 'install' is not a forge command.\nDid you mean 'forge add'?\n");
  });
});

describe.concurrent('usage errors keep their whole message', () => {
  it('missing arguments are named with what they are, then the usage line', async () => {
    const r = await run('add');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'Error: Missing 2 required arguments: REPOSITORY, COMPONENT.',
        '  REPOSITORY  Upstream repository: org/repo (github.com, or GH_HOST), an https:// or file:// URL, a local path, or ssh (git@host:org/repo) with git installed.',
        '  COMPONENT   Component name (as its component.yaml names it), or the local name with --path.',
        'Usage: forge add REPOSITORY COMPONENT [FLAGS]',
        "See 'forge add --help'.",
        '',
      ].join('\n'),
    );
  });

  it('the same whole message under --json', async () => {
    const r = await run('add', '--json');
    expect(r.code).toBe(2);
    const { error } = r.json();
    expect(error.code).toBe('E_USAGE');
    expect(error.message.split('\n')).toHaveLength(4);
    expect(error.message).toContain('REPOSITORY  Upstream repository');
    expect(error).toMatchObject({ hint: "See 'forge add --help'.", usage: 'forge add REPOSITORY COMPONENT [FLAGS]', missing: ['REPOSITORY', 'COMPONENT'] });
  });

  it('flags that exclude each other: every reason is shown', async () => {
    const r = await run('sync', 'pull', '--merge', '--rebase');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--merge=true cannot also be provided when using --rebase');
    expect(r.stderr).toContain('--rebase=true cannot also be provided when using --merge');
    expect(r.stderr).toContain("See 'forge sync pull --help'.");
    const json = (await run('sync', 'pull', '--merge', '--rebase', '--json')).json();
    expect(json.error.message).toContain('--rebase=true cannot also be provided when using --merge');
  });

  it('a bad value names the flag and what was expected', async () => {
    const r = await run('sync', 'pull', '--concurrency', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: Invalid value for --concurrency: Expected an integer but received: x\nUsage: forge sync pull \[COMPONENT…\] \[FLAGS\]\n/);
    const json = (await run('sync', 'pull', '--concurrency', 'x', '--json')).json();
    expect(json.error.message).toContain('Expected an integer but received: x');
  });

  it("a plugin command's usage error gets the same style and usage line", async () => {
    const r = await run('autocomplete', 'fish');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("Error: Expected fish to be one of: zsh, bash, powershell\nUsage: forge autocomplete [SHELL] [FLAGS]\nSee 'forge autocomplete --help'.\n");
  });

  it('an unknown flag suggests the nearest real one', async () => {
    const r = await run('add', 'github.com/o/r', 'x', '--verison', '1.0.0');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('Error: Unknown flag: --verison. Did you mean --version?');
  });

  it('--quiet and --verbose exclude each other', async () => {
    const r = await run('sync', 'status', '-q', '-v');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--verbose=true cannot also be provided when using --quiet');
  });

  it('every error, usage or not, has one style: `Error: ` then the hint, never oclif’s', async () => {
    const runs = await Promise.all([
      run('add'),
      run('staus'),
      run('sync', 'status'),
      run('help', 'nope'),
      run('--bogus'),
      run('graph', '--format', 'png'),
      // A plugin's command, which forge's base command does not wrap: the last catch in bin/run.js does.
      run('autocomplete', 'fish'),
      run('autocomplete', '--bogus'),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Error: \S/);
      expect(r.stderr).not.toMatch(OCLIF_STYLE);
      expect(r.stderr.trimEnd().split('\n').length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe.concurrent('shell completion', () => {
  /** Asks bash's completion function what it offers after `line` (as if TAB were pressed at its end). */
  function complete(script: string, words: string[]): Promise<string[]> {
    const program = [
      `source ${JSON.stringify(script)}`,
      `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      `COMP_LINE=${JSON.stringify(words.join(' '))}`,
      'COMP_POINT=${#COMP_LINE}',
      '_forge_autocomplete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return new Promise((resolve, reject) =>
      execFile('bash', ['--norc', '--noprofile', '-c', program], (error, stdout) => (error ? reject(error) : resolve([...new Set(stdout.split('\n').filter(Boolean))]))),
    );
  }

  it('forge autocomplete bash builds a completion that knows topics, commands and flags', async () => {
    const cache = await tempDir('forge-ac-');
    const r = await forge(['autocomplete', 'bash'], { cwd, env: { FORGE_CACHE_DIR: cache } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('forge autocomplete script bash');
    const script = join(cache, 'autocomplete', 'functions', 'bash', 'forge.bash');
    expect(await complete(script, ['forge', 'sy'])).toEqual(['sync']);
    expect(await complete(script, ['forge', 'sync', 'pul'])).toEqual(['pull']);
    expect(await complete(script, ['forge', 'sync', 'pull', '--me'])).toEqual(['--merge']);
    expect(await complete(script, ['forge', 'add', '--q'])).toEqual(['--quiet']);
  });

  it('zsh and powershell scripts are generated too', async () => {
    const cache = await tempDir('forge-ac-');
    for (const shell of ['zsh', 'powershell']) expect((await forge(['autocomplete', shell], { cwd, env: { FORGE_CACHE_DIR: cache } })).code).toBe(0);
    expect(await readFile(join(cache, 'autocomplete', 'functions', 'zsh', '_forge'), 'utf8')).toContain('sync');
  });
});
