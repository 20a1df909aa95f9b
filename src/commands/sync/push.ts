import { Args, Flags } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { ForgeCommand } from '../../cli/base-command.js';
import { ForgeError } from '../../errors.js';
import { push, type PushResult } from '../../sync/push.js';

export default class Push extends ForgeCommand {
  static override summary = 'Send a component’s local changes upstream: one commit on the locked commit, on a new branch, optionally through your fork and with a pull request.';
  static override description = [
    'The commit’s parent is the locked upstream commit and its tree is the locked tree with the component’s folder replaced by the local files; author and committer come from this repository’s git identity (user.name, user.email, or GIT_AUTHOR_*).',
    'With write access the branch (--branch, default forge/NAME-<unix seconds>) goes to the upstream repository; without it forge stops (exit 4) unless --create-fork, which pushes to your fork (reused, or created and waited for).',
    '--create-pr opens a pull request against the upstream default branch, or updates the one already open for that branch. Pushing again while it is open updates the same branch and pull request; forge refuses if someone else moved the branch since, unless --force.',
    'Afterwards `forge sync status` shows the component as forked until its pull request is merged or closed (pushed without one: until a pull moves its lock). Every push is in `forge sync log`.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> sync push salesforce-lookup --create-pr',
    '<%= config.bin %> sync push salesforce-lookup --create-fork --create-pr --title "Longer timeout" --draft',
    '<%= config.bin %> sync push salesforce-lookup --branch fix/timeout --message "Raise the timeout to 60 s" --dry-run',
  ];
  static override args = { component: Args.string({ required: true, description: 'The component whose local changes to push.' }) };
  static override flags = {
    message: Flags.string({ char: 'm', description: 'Commit message (default: a summary of the changed files).' }),
    branch: Flags.string({ description: 'Branch to push to (default: forge/NAME-<unix seconds>, or the branch of the open pull request).' }),
    'create-fork': Flags.boolean({ description: 'Without write access, push to your fork (created if you have none).' }),
    'create-pr': Flags.boolean({ description: 'Open a pull request against the upstream default branch (or update the open one).' }),
    title: Flags.string({ description: 'Pull request title.' }),
    body: Flags.string({ description: 'Pull request body (default: the files and fields changed, and the version they were changed against).', exclusive: ['body-file'] }),
    'body-file': Flags.string({ description: 'Read the pull request body from a file (- for stdin).', exclusive: ['body'] }),
    draft: Flags.boolean({ description: 'Open the pull request as a draft.' }),
    force: Flags.boolean({ description: 'Replace the branch even if someone else pushed to it.' }),
    'dry-run': Flags.boolean({ description: 'Say what would be pushed where, push nothing.' }),
  };

  async run() {
    const { args, flags } = await this.parse(Push);
    const body = flags['body-file'] !== undefined ? await readBody(flags['body-file']) : flags.body;
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await push(ctx, {
        component: args.component,
        ...(flags.message !== undefined ? { message: flags.message } : {}),
        ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
        createFork: flags['create-fork'],
        createPr: flags['create-pr'],
        ...(flags.title !== undefined ? { title: flags.title } : {}),
        ...(body !== undefined ? { body } : {}),
        draft: flags.draft,
        force: flags.force,
        dryRun: flags['dry-run'],
      });
      this.render(result);
      if (result.pullRequest?.url) this.actionsOutput({ 'pr-url': result.pullRequest.url, 'pr-number': result.pullRequest.number ?? '', 'pr-operation': result.pullRequest.action });
      return result;
    });
  }

  private render(r: PushResult): void {
    if (r.reason === 'no-local-changes') {
      this.say(`${r.component} has no local changes: nothing to push.`);
      return;
    }
    const against = r.base.version ? `${r.base.version} (${r.base.commit.slice(0, 7)})` : r.base.commit.slice(0, 7);
    const where = r.target ? `${r.target.kind === 'fork' ? 'your fork ' : ''}${r.target.name}` : '?';
    if (r.dryRun) this.say(`Would push ${r.files.length} changed file(s) of ${r.component}, made against ${against}, to ${where} on branch ${r.branch}:`);
    else {
      if (r.forkCreated) this.say(`${this.c('green', '✓')} Created your fork ${r.target?.name}`);
      this.say(`${this.c('green', '✓')} Pushed ${r.files.length} changed file(s) of ${r.component} to ${where}, branch ${r.branch} (${r.commit?.slice(0, 7)}, on ${against})`);
    }
    const shown = r.files.length > 25 ? r.files.slice(0, 20) : r.files;
    for (const f of shown) this.say(`  ${f.kind === 'mode' ? 'mode changed' : f.kind}: ${f.file}`);
    if (shown.length < r.files.length) this.say(`  … and ${r.files.length - shown.length} more (all of them under --json)`);
    const pr = r.pullRequest;
    if (pr) {
      if (pr.action === 'would-create') this.say(`Would open a ${pr.draft ? 'draft ' : ''}pull request.`);
      else if (pr.action === 'would-update') this.say(`Would update pull request #${pr.number}: ${pr.url}`);
      else this.say(`${this.c('green', '✓')} ${pr.action === 'created' ? 'Opened' : 'Updated'} ${pr.draft ? 'draft ' : ''}pull request #${pr.number}: ${pr.url}`);
    } else if (!r.dryRun && r.target?.kind === 'fork') {
      this.say(`Open a pull request with --create-pr, or on ${r.target.webUrl}.`);
    }
  }
}

async function readBody(file: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ForgeError('E_USAGE', `Cannot read --body-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { hint: 'Give a readable file, or - for stdin.', cause: error });
  }
}
