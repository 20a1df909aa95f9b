// The workflow `forge init --github-actions` writes: the update bot on a daily schedule.

/** Where forge's action lives (its repository holds action.yml at the top), and the ref workflows use by default. */
export const FORGE_ACTION = 'forge-components/forge';

export const WORKFLOW_PATH = '.github/workflows/forge-update.yml';

export interface WorkflowOptions {
  /** `OWNER/REPO@REF` of forge's action. */
  action: string;
  /** The folder of forge.yaml relative to the repository's top ('.' for the top). */
  workingDirectory: string;
  /** Minute and hour of the daily run (UTC). */
  minute: number;
  hour: number;
}

export function updateWorkflow(options: WorkflowOptions): string {
  const dir = options.workingDirectory === '.' || options.workingDirectory === '' ? null : options.workingDirectory;
  return `# Keeps the components in forge.yaml current. Every day (and on demand from the Actions tab)
# forge pulls what upstream released within each component's range, merges it with this
# repository's own edits, and opens or updates one pull request on the branch forge/update.
# Components whose merge would conflict are left out and listed in it as needing a person.
#
# Tokens: the workflow's GITHUB_TOKEN is enough to push the branch and open the pull request.
# But pull requests opened with GITHUB_TOKEN do not start other workflows (GitHub's guard against
# loops), so your CI will not run on them. To get CI on the update pull request, create a GitHub
# App (or a fine-grained personal access token) with contents and pull requests write access to
# this repository and store its token as the secret FORGE_TOKEN: the step below uses it when set.
# Also allow it once: Settings > Actions > General > Workflow permissions >
# "Allow GitHub Actions to create and approve pull requests".
name: forge update

on:
  schedule:
    - cron: "${options.minute} ${options.hour} * * *" # daily, off the hour (scheduled runs start late at busy times)
  workflow_dispatch:

permissions: {}

concurrency:
  group: forge-update
  cancel-in-progress: false # never two runs on the update branch at once

jobs:
  update:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: write # push the forge/update branch
      pull-requests: write # open, update, label and close the update pull request
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false # forge sends its own token
      - name: Update components
        id: forge
        uses: ${options.action} # pin to a full commit id if you prefer
        with:
          command: sync pull --all --pr
          token: \${{ secrets.FORGE_TOKEN || secrets.GITHUB_TOKEN }}${dir ? `\n          working-directory: ${dir}` : ''}
      - name: Report
        if: always()
        env:
          PR_URL: \${{ steps.forge.outputs.pr-url }}
          PR_OPERATION: \${{ steps.forge.outputs.pr-operation }}
          NEEDS_PERSON: \${{ steps.forge.outputs.needs-person-components }}
        run: |
          echo "pull request \${PR_OPERATION:-none}: \${PR_URL:--}"
          echo "needs a person: \${NEEDS_PERSON:-[]}"
`;
}
