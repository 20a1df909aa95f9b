import { ForgeCommand } from '../cli/base-command.js';
import { ensureGitignore, createManifestStore } from '../store/manifest.js';

export default class Init extends ForgeCommand {
  static override summary = 'Start a forge workspace: an empty forge.yaml, and .forge/ in .gitignore.';
  static override examples = ['<%= config.bin %> init'];

  async run(): Promise<{ manifest: string; gitignoreUpdated: boolean }> {
    await this.parse(Init);
    const root = process.cwd();
    await createManifestStore(root).init();
    const gitignoreUpdated = await ensureGitignore(root);
    this.note('Created forge.yaml');
    if (gitignoreUpdated) this.note('Added .forge/ to .gitignore');
    this.note("Next: forge add REPOSITORY COMPONENT");
    return { manifest: 'forge.yaml', gitignoreUpdated };
  }
}
