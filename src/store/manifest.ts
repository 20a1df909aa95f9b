// forge.yaml: what the user asks for. Read with line numbers and validated as a whole, so one run
// shows every mistake; edited as a YAML Document so comments, order and formatting survive.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, YAMLMap, type Document, type Pair } from 'yaml';
import { ForgeError, type ErrorCode } from '../errors.js';
import type { ComponentSpec, Manifest, Selector } from '../core/model.js';
import { patternProblem } from '../core/file-filter.js';
import { foldersOverlap, normalizePath, unsafePathReason } from '../core/paths.js';
import { nearestName } from '../core/names.js';
import type { ManifestStore } from '../core/ports.js';
import { writeFileAtomic } from './atomic.js';
import { createParsedCache, type ParsedCache } from './parsed-cache.js';
import { problemsError, type FileProblem } from './problems.js';
import { badNameReason, badRangeReason, badRefReason, badRepositoryReason, FULL_OID } from './rules.js';
import { findPair, keyText, lineOf, pairLine, parseYaml, readScalar } from './yaml-nodes.js';

export const MANIFEST_FILE = 'forge.yaml';

const TOP_LEVEL_KEYS = ['components'];
const COMPONENT_FIELDS = ['repository', 'path', 'dest', 'version', 'ref', 'commit', 'include', 'exclude'];
/** Fields that hold a list of gitignore-style patterns (a single pattern may be written without the list). */
const PATTERN_FIELDS = ['include', 'exclude'] as const;
const SELECTOR_FIELDS = ['version', 'ref', 'commit'] as const;
const SELECTOR_HINT = "add one of: version: '^1.0.0' (a semver range; '*' for the newest release), ref: main (follow a branch), or commit: <40-hex sha> (pin)";
const FIX_HINT = 'Fix forge.yaml and run the command again.';

const EMPTY_MANIFEST = `# Components vendored from upstream Git repositories; forge.lock.yaml pins them.
# Add one with: forge add REPOSITORY COMPONENT
components: {}
`;

/** Parses and validates forge.yaml text. Throws E_MANIFEST_INVALID (exit 2) listing every problem. */
export function parseManifest(text: string, file: string = MANIFEST_FILE): Manifest {
  const { parsed, syntax } = parseYaml(text);
  if (syntax.length > 0) throw problemsError('E_MANIFEST_INVALID', file, syntax, FIX_HINT);
  const problems: FileProblem[] = [];
  const components = validateDocument(parsed.doc, parsed.lines, problems);
  if (problems.length > 0) throw problemsError('E_MANIFEST_INVALID', file, problems, FIX_HINT);
  return { components };
}

function validateDocument(doc: Document.Parsed, lines: ReturnType<typeof parseYaml>['parsed']['lines'], problems: FileProblem[]): ComponentSpec[] {
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) {
    problems.push(topProblem(lineOf(lines, root) || 1, "the file must be a map with a 'components:' key"));
    return [];
  }
  let componentsNode: unknown = undefined;
  for (const pair of root.items) {
    const key = keyText(pair);
    if (key === 'components') {
      if (componentsNode !== undefined) problems.push(topProblem(pairLine(lines, pair), "'components' appears twice; merge them into one"));
      else componentsNode = pair.value;
      continue;
    }
    problems.push(
      topProblem(pairLine(lines, pair), `unknown top-level key '${key ?? '?'}'; only ${TOP_LEVEL_KEYS.map((k) => `'${k}'`).join(', ')} is allowed`),
    );
  }
  if (componentsNode === undefined || componentsNode === null || (isScalar(componentsNode) && componentsNode.value === null)) return [];
  if (!isMap(componentsNode)) {
    problems.push(topProblem(lineOf(lines, componentsNode), "'components' must be a map of component names to their settings"));
    return [];
  }

  const specs: ComponentSpec[] = [];
  const seen = new Map<string, { name: string; line: number }>();
  for (const pair of componentsNode.items) {
    const line = pairLine(lines, pair);
    const name = keyText(pair);
    if (name === null) {
      problems.push({ line, component: null, field: null, message: 'a component name must be plain text', code: 'E_MANIFEST_INVALID' });
      continue;
    }
    const nameReason = badNameReason(name);
    if (nameReason) {
      problems.push({ line, component: name, field: null, message: `the name ${nameReason}`, code: 'E_MANIFEST_INVALID' });
    }
    const first = seen.get(name.toLowerCase());
    if (first) {
      const same = first.name === name ? 'is defined twice' : `clashes with '${first.name}' (names are compared ignoring case)`;
      problems.push({ line, component: name, field: null, message: `${same}; the first is at line ${first.line}. Rename or remove one`, code: 'E_DUPLICATE_COMPONENT' });
      continue;
    }
    seen.set(name.toLowerCase(), { name, line });
    const spec = validateComponent(name, pair, lines, problems);
    if (spec && !nameReason) specs.push(spec);
  }

  // Two components may not share files: that would make every sync fight over them.
  for (let i = 0; i < specs.length; i++) {
    const a = specs[i]!;
    const aDest = a.dest ?? a.path;
    if (aDest === undefined) continue;
    for (let j = 0; j < i; j++) {
      const b = specs[j]!;
      const bDest = b.dest ?? b.path;
      if (bDest === undefined || !foldersOverlap(aDest, bDest)) continue;
      problems.push({
        line: a.line,
        component: a.name,
        field: a.dest === undefined ? 'path' : 'dest',
        message: `'${aDest}' overlaps the folder '${bDest}' of component '${b.name}' (line ${b.line}); give each component its own dest`,
        code: 'E_MANIFEST_INVALID',
      });
    }
  }
  return specs;
}

function validateComponent(
  name: string,
  pair: Pair<unknown, unknown>,
  lines: ReturnType<typeof parseYaml>['parsed']['lines'],
  problems: FileProblem[],
): ComponentSpec | null {
  const line = pairLine(lines, pair);
  const problem = (field: string | null, message: string, at = line, code: ErrorCode = 'E_MANIFEST_INVALID') =>
    problems.push({ line: at, component: name, field, message, code });
  const body = pair.value;
  if (body === null || body === undefined || (isScalar(body) && body.value === null)) {
    problem(null, `has no settings; add 'repository:' and ${SELECTOR_HINT}`);
    return null;
  }
  if (!isMap(body)) {
    problem(null, "must be a map with 'repository:' and a version, ref or commit");
    return null;
  }

  const values = new Map<string, { text: string; line: number }>();
  const patterns = new Map<string, { list: string[]; line: number }>();
  const before = problems.length;
  for (const field of body.items) {
    const key = keyText(field);
    const at = pairLine(lines, field);
    if (key === null) {
      problem(null, 'has a field whose name is not plain text', at);
      continue;
    }
    if (!COMPONENT_FIELDS.includes(key)) {
      const guess = closest(key, COMPONENT_FIELDS);
      problem(key, `is not a known field${guess ? `; did you mean '${guess}'?` : ''} Known fields: ${COMPONENT_FIELDS.join(', ')}`, at);
      continue;
    }
    if (values.has(key) || patterns.has(key)) {
      problem(key, `is given twice (first at line ${(values.get(key) ?? patterns.get(key))!.line}); keep one`, at);
      continue;
    }
    if ((PATTERN_FIELDS as readonly string[]).includes(key)) {
      const list = readPatterns(key, field.value, at, lines, (message, line) => problem(key, message, line));
      if (list) patterns.set(key, { list, line: at });
      continue;
    }
    const read = readScalar(field.value);
    if (read.kind === 'not-scalar') {
      problem(key, 'must be a single value, not a list or map', at);
      continue;
    }
    if (read.kind !== 'text' || read.text.trim() === '') {
      problem(key, key === 'version' ? "is empty; give a semver range such as ^1.2.0 or '*'" : 'is empty; give a value or remove the line', at);
      continue;
    }
    values.set(key, { text: read.text, line: at });
  }

  const repository = values.get('repository');
  if (!repository) {
    if (![...problems.slice(before)].some((p) => p.field === 'repository')) {
      problem('repository', 'is missing; add e.g. repository: github.com/ORG/REPO');
    }
  } else {
    const reason = badRepositoryReason(repository.text);
    if (reason) problem('repository', reason, repository.line, 'E_BAD_REPOSITORY');
  }

  for (const key of ['path', 'dest'] as const) {
    const value = values.get(key);
    if (!value) continue;
    const reason = unsafePathReason(value.text);
    if (reason) problem(key, `'${value.text}' ${reason}`, value.line, 'E_PATH_ESCAPES');
  }

  const given = SELECTOR_FIELDS.filter((key) => values.has(key));
  let selector: Selector | null = null;
  if (given.length === 0) {
    if (!problems.slice(before).some((p) => p.field !== null && (SELECTOR_FIELDS as readonly string[]).includes(p.field))) {
      problem(null, `says which upstream commit to use with none of version, ref or commit; ${SELECTOR_HINT}`);
    }
  } else if (given.length > 1) {
    const second = values.get(given[1]!)!;
    problem(given[1]!, `cannot be combined with '${given[0]}'; keep exactly one of version, ref or commit`, second.line);
  } else {
    const kind = given[0]!;
    const value = values.get(kind)!;
    if (kind === 'version') {
      const reason = badRangeReason(value.text);
      if (reason) problem('version', reason, value.line, 'E_BAD_RANGE');
      else selector = { kind: 'version', range: value.text.trim() };
    } else if (kind === 'ref') {
      const reason = badRefReason(value.text);
      if (reason) problem('ref', reason, value.line);
      else selector = { kind: 'ref', ref: value.text };
    } else {
      if (!FULL_OID.test(value.text)) {
        problem('commit', `must be the full 40-hex commit id, got '${value.text}'; use 'git rev-parse <commit>' upstream to get it`, value.line);
      } else selector = { kind: 'commit', commit: value.text.toLowerCase() };
    }
  }

  if (problems.length > before || !repository || !selector) return null;
  const path = values.get('path');
  const dest = values.get('dest');
  const include = patterns.get('include');
  const exclude = patterns.get('exclude');
  return {
    name,
    repository: repository.text,
    path: path ? normalizePath(path.text) : undefined,
    dest: dest ? normalizePath(dest.text) : undefined,
    selector,
    ...(include ? { include: include.list } : {}),
    ...(exclude ? { exclude: exclude.list } : {}),
    line,
  };
}

/** A list of patterns (or one pattern written on its own), each checked, with the line of the one at fault. */
function readPatterns(
  key: string,
  node: unknown,
  line: number,
  lines: ReturnType<typeof parseYaml>['parsed']['lines'],
  problem: (message: string, line: number) => void,
): string[] | null {
  const example = key === 'include' ? `["**/*.yaml", "src/**"]` : `["**/*.test.ts"]`;
  const items: { text: string; line: number }[] = [];
  if (isSeq(node)) {
    for (const item of node.items) {
      const read = readScalar(item);
      const at = lineOf(lines, item) || line;
      if (read.kind !== 'text') {
        problem(`must be a list of patterns (text), e.g. ${key}: ${example}`, at);
        return null;
      }
      items.push({ text: read.text, line: at });
    }
  } else {
    const read = readScalar(node);
    if (read.kind === 'not-scalar') {
      problem(`must be a list of patterns, e.g. ${key}: ${example}`, line);
      return null;
    }
    if (read.kind !== 'text') {
      problem(`is empty; give a list of patterns such as ${example}, or remove the line`, line);
      return null;
    }
    items.push({ text: read.text, line });
  }
  if (items.length === 0) {
    problem(`is an empty list; give patterns such as ${example}, or remove the line`, line);
    return null;
  }
  let ok = true;
  for (const item of items) {
    const reason = patternProblem(item.text);
    if (reason) {
      problem(`has the pattern ${JSON.stringify(item.text)}, which ${reason}`, item.line);
      ok = false;
    }
  }
  return ok ? items.map((i) => i.text) : null;
}

function topProblem(line: number, message: string): FileProblem {
  return { line, component: null, field: null, message, code: 'E_MANIFEST_INVALID' };
}

/** Words people bring from other tools for forge.yaml's fields (npm's `url`, cargo's `branch`/`rev`, git's `tag`). */
const FIELD_ALIASES: Record<string, string> = {
  repo: 'repository',
  url: 'repository',
  git: 'repository',
  branch: 'ref',
  tag: 'version',
  range: 'version',
  rev: 'commit',
  sha: 'commit',
  folder: 'path',
  dir: 'path',
  directory: 'path',
  target: 'dest',
  destination: 'dest',
};

/** The known field a typo most likely meant: a known alias, an abbreviation, else edit distance at most 2. */
function closest(word: string, candidates: string[]): string | null {
  const lower = word.toLowerCase();
  const alias = FIELD_ALIASES[lower];
  if (alias && candidates.includes(alias)) return alias;
  const abbreviated = lower.length >= 3 ? candidates.find((c) => c.startsWith(lower)) : undefined;
  if (abbreviated) return abbreviated;
  return nearestName(word, candidates);
}

// --- the store --------------------------------------------------------------------

/** `parsed` keeps each parse (see parsed-cache.ts), so an unchanged forge.yaml is parsed once. */
export function createManifestStore(root: string, parsed: ParsedCache<Manifest> = createParsedCache(null)): ManifestStore {
  const file = join(root, MANIFEST_FILE);

  async function readText(): Promise<string> {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ForgeError('E_MANIFEST_MISSING', `No forge.yaml in ${root}. Run 'forge init' first.`, { data: { file: MANIFEST_FILE } });
      }
      throw error;
    }
  }

  /** Loads the Document for editing; a file with YAML syntax errors cannot be edited safely. */
  async function loadForEdit(): Promise<Document.Parsed> {
    const { parsed, syntax } = parseYaml(await readText());
    if (syntax.length > 0) throw problemsError('E_MANIFEST_INVALID', MANIFEST_FILE, syntax, FIX_HINT);
    return parsed.doc;
  }

  /** The text of an edited document; refuses one that would not read back valid, so an edit never leaves a broken forge.yaml. */
  function render(doc: Document.Parsed): string {
    const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
    parseManifest(text, MANIFEST_FILE);
    return text;
  }

  async function upserted(spec: Omit<ComponentSpec, 'line'>): Promise<string> {
    checkSpec(spec);
    const doc = await loadForEdit();
    const components = componentsMap(doc);
    const wanted = specFields(spec);
    const pair = findPair(components, spec.name);
    if (pair && isMap(pair.value)) {
      const body = pair.value as YAMLMap<unknown, unknown>;
      for (const key of COMPONENT_FIELDS) {
        const value = wanted[key];
        const existing = findPair(body, key);
        if (value === undefined) {
          if (existing) body.items.splice(body.items.indexOf(existing), 1);
        } else if (Array.isArray(value)) {
          if (existing) existing.value = patternList(doc, value);
          else body.add(doc.createPair(key, patternList(doc, value)));
        } else if (existing && isScalar(existing.value)) {
          // Change the scalar in place so a trailing comment on the line stays.
          existing.value.value = value;
          delete existing.value.source;
          if (existing.value.type !== 'PLAIN') existing.value.type = undefined;
        } else if (existing) {
          existing.value = doc.createNode(value);
        } else {
          body.add(doc.createPair(key, value));
        }
      }
    } else {
      const node = doc.createNode(Object.fromEntries(Object.entries(wanted).map(([k, v]) => [k, Array.isArray(v) ? patternList(doc, v) : v])));
      if (pair) pair.value = node;
      else {
        components.flow = false;
        components.add(doc.createPair(spec.name, node));
      }
    }
    return render(doc);
  }

  async function removed(name: string): Promise<string> {
    const doc = await loadForEdit();
    const components = doc.contents && isMap(doc.contents) ? doc.contents.get('components', true) : undefined;
    const pair = components && isMap(components) ? findPair(components as YAMLMap<unknown, unknown>, name) : undefined;
    if (!pair) {
      throw new ForgeError('E_UNKNOWN_COMPONENT', `Component '${name}' is not in forge.yaml.`, {
        hint: "Run 'forge sync status --all' to see the components.",
        data: { file: MANIFEST_FILE, component: name },
      });
    }
    const map = components as unknown as YAMLMap<unknown, unknown>;
    map.items.splice(map.items.indexOf(pair), 1);
    return render(doc);
  }

  async function restored(name: string, from: string): Promise<string> {
    const old = parseYaml(from).parsed.doc;
    const oldMap = old.contents && isMap(old.contents) ? old.contents.get('components', true) : undefined;
    const oldItems = oldMap && isMap(oldMap) ? (oldMap as YAMLMap<unknown, unknown>).items : [];
    const at = oldItems.findIndex((p) => keyText(p) === name);
    if (at < 0) throw new ForgeError('E_INTERNAL', `The recorded forge.yaml has no component '${name}' to put back.`);
    const doc = await loadForEdit();
    const components = componentsMap(doc);
    const existing = findPair(components, name);
    if (existing) components.items.splice(components.items.indexOf(existing), 1);
    // Right after the nearest component that preceded it and is still there; else first.
    const before = oldItems.slice(0, at).map(keyText).reverse();
    const anchor = before.map((n) => components.items.findIndex((p) => keyText(p) === n)).find((i) => i >= 0) ?? -1;
    components.flow = false;
    components.items.splice(anchor + 1, 0, oldItems[at]!);
    return render(doc);
  }

  async function text(): Promise<string | null> {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  return {
    async exists() {
      try {
        return (await stat(file)).isFile();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },

    async read() {
      const text = await readText();
      const known = parsed.get(text);
      if (known) return known.value;
      const manifest = parseManifest(text, MANIFEST_FILE);
      parsed.put(text, manifest, false);
      return manifest;
    },

    async init() {
      if (await this.exists()) {
        throw new ForgeError('E_USAGE', `forge.yaml already exists in ${root}.`, {
          hint: "Add components with 'forge add', or edit forge.yaml.",
          data: { file: MANIFEST_FILE },
        });
      }
      await writeFileAtomic(file, EMPTY_MANIFEST);
    },

    async upsert(spec) {
      await writeFileAtomic(file, await upserted(spec));
    },

    async remove(name) {
      await writeFileAtomic(file, await removed(name));
    },

    text,

    async writeText(next) {
      parseManifest(next, MANIFEST_FILE);
      await writeFileAtomic(file, next);
    },

    upserted,
    removed,
    restored,
  };
}

/** The fields written for a spec, in the order the contract shows them. */
function specFields(spec: Omit<ComponentSpec, 'line'>): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = { repository: spec.repository };
  if (spec.path !== undefined) fields.path = spec.path;
  if (spec.selector.kind === 'version') fields.version = spec.selector.range;
  else if (spec.selector.kind === 'ref') fields.ref = spec.selector.ref;
  else fields.commit = spec.selector.commit.toLowerCase();
  if (spec.dest !== undefined) fields.dest = spec.dest;
  if (spec.include !== undefined) fields.include = [...spec.include];
  if (spec.exclude !== undefined) fields.exclude = [...spec.exclude];
  return fields;
}

/** A list of patterns as the contract writes it: one line, `["**\/*.yaml", "src/**"]`. */
function patternList(doc: Document.Parsed, patterns: readonly string[]) {
  const node = doc.createNode([...patterns]);
  node.flow = true;
  for (const item of node.items) if (isScalar(item)) item.type = 'QUOTE_DOUBLE';
  return node;
}

/** Checks a spec coming from flags (forge add) before it touches the file; throws the specific code. */
function checkSpec(spec: Omit<ComponentSpec, 'line'>): void {
  const fail = (code: ErrorCode, field: string | null, reason: string): never => {
    const subject = field === null ? `Component '${spec.name}': ` : `Component '${spec.name}': ${field} `;
    throw new ForgeError(code, `${subject}${reason}.`, { data: { file: MANIFEST_FILE, component: spec.name, field } });
  };
  const nameReason = badNameReason(spec.name);
  if (nameReason) fail('E_USAGE', 'name', nameReason);
  const repositoryReason = badRepositoryReason(spec.repository);
  if (repositoryReason) fail('E_BAD_REPOSITORY', 'repository', repositoryReason);
  for (const key of ['path', 'dest'] as const) {
    const value = spec[key];
    const reason = value === undefined ? null : unsafePathReason(value);
    if (reason) fail('E_PATH_ESCAPES', key, `'${value}' ${reason}`);
  }
  for (const key of PATTERN_FIELDS) {
    const list = spec[key];
    if (list === undefined) continue;
    if (list.length === 0) fail('E_USAGE', key, 'is an empty list of patterns');
    for (const pattern of list) {
      const reason = patternProblem(pattern);
      if (reason) fail('E_USAGE', key, `pattern ${JSON.stringify(pattern)} ${reason}`);
    }
  }
  const selector = spec.selector;
  if (selector.kind === 'version') {
    const reason = badRangeReason(selector.range);
    if (reason) fail('E_BAD_RANGE', 'version', reason);
  } else if (selector.kind === 'ref') {
    const reason = badRefReason(selector.ref);
    if (reason) fail('E_USAGE', 'ref', reason);
  } else if (!FULL_OID.test(selector.commit)) {
    fail('E_USAGE', 'commit', `must be the full 40-hex commit id, got '${selector.commit}'`);
  }
}

/** The `components:` map, created (block style) when the file has none or an empty one. */
function componentsMap(doc: Document.Parsed): YAMLMap<unknown, unknown> {
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = doc.createNode({}) as never;
  }
  if (!isMap(doc.contents)) {
    throw problemsError('E_MANIFEST_INVALID', MANIFEST_FILE, [topProblem(1, "the file must be a map with a 'components:' key")], FIX_HINT);
  }
  const existing = doc.contents.get('components', true);
  if (isMap(existing)) return existing as YAMLMap<unknown, unknown>;
  const created = new YAMLMap<unknown, unknown>();
  const pair = findPair(doc.contents as YAMLMap<unknown, unknown>, 'components');
  if (pair) pair.value = created;
  else (doc.contents as YAMLMap<unknown, unknown>).add(doc.createPair('components', created));
  return created;
}

/**
 * Makes sure `.forge/` is ignored by git. Keeps the existing content and its line endings;
 * returns whether the file changed.
 */
export async function ensureGitignore(root: string): Promise<boolean> {
  const file = join(root, '.gitignore');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ignored = text.split(/\r?\n/).some((line) => ['.forge', '.forge/', '/.forge', '/.forge/', '.forge/*', '/.forge/*'].includes(line.trim()));
  if (ignored) return false;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  await writeFileAtomic(file, `${text}${separator}.forge/${eol}`);
  return true;
}
