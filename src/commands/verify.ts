import { Args } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { short } from '../cli/render.js';
import { verify } from '../sync/verify.js';

export default class Verify extends ForgeCommand {
  static override summary = 'Check the lock against forge.yaml and upstream: each locked commit exists, its tag still points at it, and its tree is the one locked.';
  static override description =
    'For pull-request CI. Local edits are not an error here (forge sync status shows them); a lock whose tree does not match upstream, a moved or deleted tag, a missing commit, or a lock that does not satisfy forge.yaml is. Exits 1 naming each mismatch.';
  static override strict = false;
  static override examples = ['<%= config.bin %> verify', '<%= config.bin %> verify salesforce-lookup --json'];
  static override args = { component: Args.string({ description: 'Component names (default: all).' }) };
  static override flags = { concurrency: ForgeCommand.concurrencyFlag };

  async run() {
    const { argv, flags } = await this.parse(Verify);
    const names = (argv as string[]).filter(Boolean);
    return this.withEngine({ mutate: false, concurrency: flags.concurrency }, async (ctx) => {
      const report = await verify(ctx, names);
      const json = report;
      for (const c of report.components) {
        if (c.ok) this.note(`${this.c('green', '✓')} ${c.name} ${c.version ?? short(c.commit)}`);
        for (const p of c.problems) {
          this.say(`${this.c('red', '✗')} ${c.name}: ${p.message}`);
          if (process.env.GITHUB_ACTIONS === 'true' && !this.json) {
            const where = c.line !== null ? `file=forge.yaml,line=${c.line},` : 'file=forge.lock.yaml,';
            process.stdout.write(`::error ${where}title=forge verify::${p.message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
          }
        }
      }
      const failed = report.components.filter((c) => !c.ok);
      if (report.components.length === 0) this.note('No components to verify.');
      else if (failed.length) this.say(`${failed.length} of ${report.components.length} component(s) do not match.`);
      else this.note(`All ${report.components.length} component(s) match upstream.`);
      if (failed.length) this.exitWithWorkLeft(json);
      return json;
    });
  }
}
