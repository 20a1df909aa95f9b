import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { printPlan, planJson } from '../cli/pull-output.js';
import { addComponent } from '../sync/manage.js';

export default class Add extends ForgeCommand {
  static override summary = 'Add a component: write forge.yaml, resolve it, install its files and lock it.';
  static override examples = [
    '<%= config.bin %> add github.com/company/crm-tools salesforce-lookup --version ^2.1.0',
    '<%= config.bin %> add github.com/company/crm-tools lookup --path components/tools/lookup --ref main --dest vendor/lookup',
    '<%= config.bin %> add github.com/shadcn-ui/ui button --path apps/v4/registry/new-york-v4/ui/button.tsx --ref main --dest src/ui/button.tsx',
    "<%= config.bin %> add github.com/company/crm-tools lookup --include 'src/**' --include '*.yaml' --exclude '**/*.test.ts'",
  ];

  static override args = {
    repository: Args.string({ required: true, description: 'Upstream repository: org/repo (github.com, or GH_HOST), an https:// or file:// URL, a local path, or ssh (git@host:org/repo) with git installed.' }),
    component: Args.string({ required: true, description: 'Component name (as its component.yaml names it), or the local name with --path.' }),
  };

  static override flags = {
    concurrency: ForgeCommand.concurrencyFlag,
    version: Flags.string({ description: 'Semver range over upstream tags (default: ^ of the newest version).', exclusive: ['ref', 'commit'] }),
    ref: Flags.string({ description: 'Follow a branch instead of versions.', exclusive: ['version', 'commit'] }),
    commit: Flags.string({ description: 'Pin a full commit id.', exclusive: ['version', 'ref'] }),
    path: Flags.string({ description: 'Folder or single file upstream (default: the folder found by component.yaml name).' }),
    dest: Flags.string({ description: 'Folder here, or the file path for a single file (default: same as path).' }),
    name: Flags.string({ description: 'Local name in forge.yaml (default: COMPONENT).' }),
    include: Flags.string({ description: 'Install only files matching this gitignore-style pattern, relative to the path.', multiple: true }),
    exclude: Flags.string({ description: 'Leave out files matching this gitignore-style pattern, relative to the path.', multiple: true }),
    'dry-run': Flags.boolean({ description: 'Show what would be installed, change nothing.' }),
  };

  async run() {
    const { args, flags } = await this.parse(Add);
    return this.withEngine({ mutate: true, concurrency: flags.concurrency }, async (ctx) => {
      const result = await addComponent(ctx, {
        repository: args.repository,
        component: args.component,
        ...(flags.version !== undefined ? { version: flags.version } : {}),
        ...(flags.ref !== undefined ? { ref: flags.ref } : {}),
        ...(flags.commit !== undefined ? { commit: flags.commit } : {}),
        ...(flags.path !== undefined ? { path: flags.path } : {}),
        ...(flags.dest !== undefined ? { dest: flags.dest } : {}),
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.include !== undefined ? { include: flags.include } : {}),
        ...(flags.exclude !== undefined ? { exclude: flags.exclude } : {}),
        dryRun: flags['dry-run'],
      });
      if (!this.json && (!this.quiet || flags['dry-run'])) printPlan(this, result.plan, { dryRun: flags['dry-run'], verb: 'add' });
      if (!flags['dry-run']) this.note(`${this.c('green', '✓')} Added ${result.spec.name} to forge.yaml`);
      return { component: result.spec.name, ...planJson(result.plan), dryRun: flags['dry-run'] };
    });
  }
}
