// The text of forge's update pull requests, commits and closing comments. Pure: the engine
// (update-pr.ts) hands in what it did, this writes it down for people, in GitHub's Markdown.
//
// Upstream commit subjects are other people's words landing in this repository's pull request:
// Markdown and HTML in them are escaped, and `@name` / `#123` are broken up so they neither
// notify anyone nor link to this repository's issues.

export const BODY_MARKER = '<!-- forge:update';
/** The trailer of every update commit: a branch whose tip lacks it holds someone else's work. */
export const COMMIT_TRAILER = 'Forge-Update-Branch';

export interface UpstreamCommit {
  sha: string;
  subject: string;
  url: string;
}

export interface UpstreamChanges {
  /** GitHub's compare page for the two commits; null when the upstream is not on GitHub. */
  compareUrl: string | null;
  /** Commits in the range (null: unknown). */
  total: number | null;
  /** Those that touched the component's folder, newest first; null when they could not be listed. */
  commits: UpstreamCommit[] | null;
}

export interface ComponentUpdate {
  name: string;
  repository: string;
  /** The folder upstream. */
  path: string;
  dest: string;
  action: 'install' | 'update' | 'merge' | 'remove';
  from: { version: string | null; commit: string } | null;
  to: { version: string | null; commit: string } | null;
  /**
   * Set for a folder with include/exclude: whether its selected files differ between the two
   * commits. Upstream's commit listing is by folder, so it can name commits that changed only
   * files the filter leaves out.
   */
  filtered?: { selectionChanged: boolean };
  /** Files this repository had edited against the locked upstream files (all kept). */
  localEdits: string[];
  /** Of those, the files upstream changed too, merged three-way. */
  merged: string[];
  /** Of those, the files upstream now has exactly as this repository edited them (an edit sent upstream and taken there). */
  adopted: string[];
  upstream: UpstreamChanges;
}

export interface NeedsPerson {
  name: string;
  /**
   * conflict: upstream changes clash with this repository's edits; blocked: the folder holds files
   * forge did not install, or similar; waits: it can only move together with one that needs a
   * person; branch: the update branch holds commits that are not forge's.
   */
  reason: 'conflict' | 'blocked' | 'waits' | 'branch';
  message: string;
  files: string[];
  from: string | null;
  to: string | null;
  /** What to run in a clone to do it by hand. */
  command: string;
}

const SUBJECTS_SHOWN = 10;

/** A version as people read it: the version, else the short commit. */
export function versionLabel(entry: { version: string | null; commit: string } | null): string {
  if (!entry) return '-';
  return entry.version ?? entry.commit.slice(0, 7);
}

/** Text safe inside a Markdown table cell: no markup, no mentions, no issue links, no cell breaks. */
export function escapeText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/@(?=[A-Za-z0-9])/g, '@\u200b')
    .replace(/#(?=\d)/g, '#\u200b');
}

/** A file or folder name as inline code in a table cell. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')}\``;
}

function versionCell(c: ComponentUpdate): string {
  const link = c.upstream.compareUrl ? ` ([compare](${c.upstream.compareUrl}))` : '';
  if (c.action === 'install') return `new: **${versionLabel(c.to)}**`;
  if (c.action === 'remove') return `${versionLabel(c.from)} → removed`;
  return `${versionLabel(c.from)} → **${versionLabel(c.to)}**${link}`;
}

function upstreamCell(c: ComponentUpdate): string {
  if (c.action === 'remove') return 'no longer needed by any component';
  if (c.action === 'install') return 'newly required';
  const { commits, total, compareUrl } = c.upstream;
  if (commits === null) return compareUrl ? `not listed; see [the comparison](${compareUrl})` : 'not listed (the upstream is not on GitHub)';
  if (commits.length === 0) return total ? `none of the ${total} upstream commit${total === 1 ? '' : 's'} touched ${code(c.path)}` : 'none';
  if (c.filtered && !c.filtered.selectionChanged) {
    return `none changed the selected files (${commits.length} commit${commits.length === 1 ? '' : 's'} changed only files in ${code(c.path)} that include/exclude leave out)`;
  }
  const lines = commits.slice(0, SUBJECTS_SHOWN).map((commit) => `[\`${commit.sha.slice(0, 7)}\`](${commit.url}) ${escapeText(commit.subject)}`);
  if (commits.length > SUBJECTS_SHOWN) lines.push(`… and ${commits.length - SUBJECTS_SHOWN} more${compareUrl ? ` ([compare](${compareUrl}))` : ''}`);
  if (c.filtered) lines.push(`(commits that touched ${code(c.path)}; some may have changed only files include/exclude leave out)`);
  return lines.join('<br>');
}

function editsCell(c: ComponentUpdate): string {
  if (c.localEdits.length === 0) return c.action === 'remove' ? '-' : 'none';
  const list = (files: string[]) => (files.length <= 5 ? files.map(code).join(', ') : `${files.slice(0, 5).map(code).join(', ')} and ${files.length - 5} more`);
  const untouched = c.localEdits.filter((f) => !c.merged.includes(f) && !c.adopted.includes(f));
  if (c.localEdits.every((f) => c.adopted.includes(f))) return `none left; upstream has them now: ${list(c.adopted)}`;
  const parts: string[] = [];
  const merged = c.merged.filter((f) => !c.adopted.includes(f));
  if (merged.length > 0) parts.push(`merged with upstream: ${list(merged)}`);
  if (c.adopted.length > 0) parts.push(`upstream has them now: ${list(c.adopted)}`);
  if (untouched.length > 0) parts.push(`${parts.length ? 'kept as they are' : 'kept'}: ${list(untouched)}${parts.length ? '' : ` (upstream left ${untouched.length === 1 ? 'it' : 'them'} alone)`}`);
  return parts.length === 1 && untouched.length === 0 ? `kept; ${parts[0]}` : parts.join('; ');
}

export function needsPersonSection(needs: readonly NeedsPerson[]): string[] {
  if (needs.length === 0) return [];
  const lines = [
    '### Needs a person',
    '',
    'Left out of this pull request. Run the command in a clone of this repository, settle what it reports, and commit the result.',
    '',
    '| Component | Version | Why | Run locally |',
    '| --- | --- | --- | --- |',
  ];
  for (const n of needs) {
    const version = n.from || n.to ? `${n.from ?? '-'} → ${n.to ?? '-'}` : '-';
    const why = n.reason === 'conflict' && n.files.length ? `conflicts in ${n.files.map(code).join(', ')}` : escapeText(n.message);
    lines.push(`| ${code(n.name)} | ${version} | ${why} | ${code(n.command)} |`);
  }
  lines.push('');
  return lines;
}

export interface BodyInput {
  branch: string;
  updates: readonly ComponentUpdate[];
  needsPerson: readonly NeedsPerson[];
}

/** The pull request's description: what moved, what upstream did, what of ours was kept, what needs a person. */
export function pullRequestBody(input: BodyInput): string {
  const { updates } = input;
  const merged = updates.some((u) => u.merged.some((f) => !u.adopted.includes(f)));
  const kept = updates.some((u) => u.localEdits.some((f) => !u.adopted.includes(f)));
  const adopted = updates.some((u) => u.adopted.length > 0);
  const them = updates.length === 1 ? 'it' : 'them';
  const edits = kept
    ? ` Edits this repository made to ${them} are kept${merged ? ', merged three-way with the upstream changes' : ''}${adopted ? '; upstream now has some of them as they are here' : ''}.`
    : adopted
      ? ` Upstream now has the edits this repository made to ${them}: no local edits are left.`
      : '';
  const lines = [
    `${BODY_MARKER} v1 -->`,
    updates.length === 0
      ? 'No component moves; forge.lock.yaml takes what changed in forge.yaml (ranges, refs) or in the dependency graph.'
      : `This pull request brings ${updates.length === 1 ? `${code(updates[0]!.name)}` : `**${updates.length}** components`} up to date with ${updates.length === 1 ? 'its upstream repository' : 'their upstream repositories'}.${edits}`,
    '',
    '| Component | Version | Upstream changes | Local edits |',
    '| --- | --- | --- | --- |',
    ...[...updates].sort((a, b) => a.name.localeCompare(b.name)).map((u) => `| ${code(u.name)} | ${versionCell(u)} | ${upstreamCell(u)} | ${editsCell(u)} |`),
    '',
    ...needsPersonSection(input.needsPerson),
    '---',
    `<sub>Made by \`forge sync pull --pr\`. forge rewrites the branch ${code(input.branch)} and this description each time it runs: push your own changes to another branch, or forge stops updating this one.</sub>`,
    `${BODY_MARKER} ${JSON.stringify({ branch: input.branch, components: updates.map((u) => u.name).sort() })} -->`,
  ];
  return lines.join('\n');
}

export function pullRequestTitle(updates: readonly ComponentUpdate[]): string {
  if (updates.length === 0) return 'Update forge.lock.yaml';
  if (updates.length === 1) {
    const [u] = updates;
    if (u!.action === 'remove') return `Remove ${u!.name} (no longer needed)`;
    return `Update ${u!.name} to ${versionLabel(u!.to)}`;
  }
  return `Update ${updates.length} forge components`;
}

export function commitMessage(branch: string, updates: readonly ComponentUpdate[]): string {
  const lines = updates.map((u) =>
    u.action === 'remove' ? `- ${u.name}: removed (no longer needed)` : u.action === 'install' ? `- ${u.name}: ${versionLabel(u.to)} (new)` : `- ${u.name}: ${versionLabel(u.from)} → ${versionLabel(u.to)}${u.merged.length ? ' (local edits merged)' : ''}`,
  );
  return `${pullRequestTitle(updates)}\n\n${lines.join('\n')}\n\n${COMMIT_TRAILER}: ${branch}\n`;
}

/** True for a commit forge made for an update branch (its trailer). */
export function isUpdateCommit(message: string): boolean {
  return new RegExp(`^${COMMIT_TRAILER}: \\S+\\s*$`, 'm').test(message);
}

/** The comment forge leaves on an update pull request it closes. */
export function closingComment(needsPerson: readonly NeedsPerson[]): string {
  if (needsPerson.length === 0) {
    return 'forge found nothing left to update on this branch: the default branch already has every component at the newest version its range allows, so this pull request is closed. forge opens a new one when upstream releases again.';
  }
  const lines = [
    'forge has nothing left that it can update on its own, so this pull request is closed: the rest needs a person (below). forge opens a new one when there is an update it can make.',
    '',
    ...needsPersonSection(needsPerson),
  ];
  return lines.join('\n').trimEnd();
}

/** True for a pull request body forge wrote (it may rewrite it). */
export function isUpdateBody(body: string): boolean {
  return body.includes(BODY_MARKER);
}
