import { ForgeCommand } from '../../../cli/base-command.js';

export default class ConflictsList extends ForgeCommand {
  static override summary = 'List every unresolved conflict: component, type and file.';
  static override examples = ['<%= config.bin %> sync conflicts list', '<%= config.bin %> sync conflicts list --json'];

  async run() {
    await this.parse(ConflictsList);
    return this.withEngine({ mutate: false, offline: true }, async (ctx) => {
      const sets = await ctx.state.conflicts();
      const lock = await ctx.lock.read();
      if (sets.length === 0) this.say('No unresolved conflicts.');
      for (const set of sets) {
        const entry = lock.components[set.component];
        const dest = entry?.dest ?? '';
        // A single-file component's one file is its dest.
        const shown = (file: string) => (entry?.blob !== undefined ? dest : `${dest}/${file}`);
        this.say(`Component: ${set.component}${set.rebase ? ` (rebase stopped at ${set.rebase.stoppedAt})` : ''}`);
        this.say('Conflicts:');
        set.records.forEach((r, i) => this.say(`  ${i + 1}. ${r.type}: ${r.file ? shown(r.file) : r.message}`));
      }
      return {
        conflicts: sets.flatMap((s) => s.records.map((r) => ({ component: s.component, type: r.type, file: r.file, message: r.message, operation: s.operation }))),
      };
    });
  }
}
