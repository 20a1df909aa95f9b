import { Flags } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { ForgeError } from '../errors.js';
import { FORGE_ACTION, updateWorkflow, WORKFLOW_PATH } from '../cli/github-workflow.js';
import { ensureGitignore, createManifestStore } from '../store/manifest.js';
import { folderInRepository, writeRepositoryFile } from '../store/workflow.js';

export default class Init extends ForgeCommand {
  static override summary = 'Start a forge workspace: an empty forge.yaml, and .forge/ in .gitignore.';
  static override description =
    'With --github-actions, also a GitHub Actions workflow (.github/workflows/forge-update.yml) that keeps the components current: daily, forge opens or updates one pull request with the upstream releases merged into your edits. In a workspace that already has forge.yaml, --github-actions adds just the workflow.';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --github-actions'];
  static override flags = {
    'github-actions': Flags.boolean({ description: `Also write ${WORKFLOW_PATH}: the scheduled update pull request.` }),
    action: Flags.string({ description: `The forge action the workflow uses, as OWNER/REPO@REF (default ${FORGE_ACTION}@v<this version>).`, dependsOn: ['github-actions'] }),
  };

  async run(): Promise<{ manifest: string | null; gitignoreUpdated: boolean; workflow: string | null }> {
    const { flags } = await this.parse(Init);
    const root = process.cwd();
    const manifest = createManifestStore(root);
    // With --github-actions in an existing workspace, only the workflow is new.
    const create = !(flags['github-actions'] && (await manifest.exists()));
    if (create) await manifest.init();
    const gitignoreUpdated = await ensureGitignore(root);
    let workflow: string | null = null;
    if (flags['github-actions']) {
      const action = flags.action ?? `${FORGE_ACTION}@v${this.config.version}`;
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@\S+$/.test(action) && !action.startsWith('./')) {
        throw new ForgeError('E_USAGE', `--action '${action}' is not OWNER/REPO@REF.`, { hint: `For example ${FORGE_ACTION}@v${this.config.version}, or ./ for an action in this repository.` });
      }
      workflow = await writeRepositoryFile(root, WORKFLOW_PATH, updateWorkflow({ action, workingDirectory: folderInRepository(root), ...dailyTime(root) }));
    }
    if (create) this.note('Created forge.yaml');
    if (gitignoreUpdated) this.note('Added .forge/ to .gitignore');
    if (workflow) {
      this.note(`Created ${workflow}: a daily pull request with component updates`);
      this.note('Commit it, and allow it once: Settings > Actions > General > "Allow GitHub Actions to create and approve pull requests".');
    }
    if (create) this.note('Next: forge add REPOSITORY COMPONENT');
    return { manifest: create ? 'forge.yaml' : null, gitignoreUpdated, workflow };
  }
}

/** A minute and hour of the night (UTC) that differ from one repository to the next, so not every repository asks at once. */
function dailyTime(root: string): { minute: number; hour: number } {
  let hash = 0;
  for (const c of root) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return { minute: 1 + (hash % 58), hour: 3 + ((hash >>> 8) % 4) };
}
