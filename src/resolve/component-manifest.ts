// An upstream component.yaml: its name, version and dependencies. Everything
// else in the file belongs to the component and is kept untouched. Problems
// are reported with the file, line and field, since the file lives upstream
// and the user has to tell its maintainers exactly what is wrong.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { ForgeError } from '../errors.js';
import type { Selector } from '../core/model.js';
import { normalizePath, unsafePathReason } from '../core/paths.js';
import { validateRange } from './versions.js';

export interface ComponentDependency {
  repository: string;
  /** Found upstream by the `name` in its component.yaml. */
  component?: string;
  /** Folder upstream (normalized, no trailing slash). */
  path?: string;
  /** Range as written; undefined when `ref` or `commit` is given (or nothing: see `selector`). */
  version?: string;
  ref?: string;
  commit?: string;
  /** Folder in the consumer repository. */
  dest?: string;
  /** Local name in the consumer repository. */
  name?: string;
  /** What to follow: the one of version/ref/commit given, or `version: '*'` when none is. */
  selector: Selector;
  /** 1-based line of this entry in the file. */
  line: number;
}

export interface ComponentManifest {
  name?: string;
  version?: string;
  dependencies: ComponentDependency[];
  /** The parsed document as plain data, fields forge does not know included. */
  raw: Record<string, unknown>;
}

export interface ManifestIssue {
  line: number;
  field: string;
  message: string;
}

const DEPENDENCY_FIELDS = ['repository', 'component', 'path', 'version', 'ref', 'commit', 'dest', 'name'] as const;
type DependencyField = (typeof DEPENDENCY_FIELDS)[number];

/**
 * Parses and validates a component.yaml. `file` names it in messages (e.g.
 * `github.com/o/r components/x/component.yaml at 1.2.0`). Throws
 * E_COMPONENT_INVALID naming file, line and field; `data.issues` lists every problem.
 */
export function parseComponentManifest(text: string, file: string): ComponentManifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;

  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0].line ?? lineCounter.linePos(first.pos[0]).line;
    throw invalid(file, [{ line, field: '', message: `is not valid YAML: ${firstSentence(first.message)}` }]);
  }

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === undefined))) {
    return { dependencies: [], raw: {} };
  }
  if (!isMap(contents)) {
    throw invalid(file, [{ line: lineOf(contents as YamlNode), field: '', message: 'must be a mapping (name, version, dependencies)' }]);
  }

  const issues: ManifestIssue[] = [];
  let raw: Record<string, unknown>;
  try {
    raw = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  } catch (error) {
    // The yaml library refuses documents whose aliases expand without bound (a "billion laughs").
    throw invalid(file, [{ line: 1, field: '', message: `cannot be read: ${firstSentence((error as Error).message)}` }]);
  }
  const result: ComponentManifest = { dependencies: [], raw };

  for (const pair of contents.items as Pair<unknown, unknown>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as YamlNode | null;
    const line = lineOf((value ?? pair.key) as YamlNode);
    if (key === 'name' || key === 'version') {
      const text = stringValue(value);
      if (text === null) {
        issues.push({ line, field: key, message: 'must be a non-empty string (quote it)' });
      } else if (key === 'name') {
        result.name = text;
      } else {
        result.version = text;
      }
    } else if (key === 'dependencies') {
      if (value === null || (isScalar(value) && value.value === null)) continue;
      if (!isSeq(value)) {
        issues.push({ line, field: 'dependencies', message: 'must be a list' });
        continue;
      }
      value.items.forEach((item, index) => {
        const dependency = parseDependency(item as YamlNode, `dependencies[${index}]`, lineOf, issues);
        if (dependency) result.dependencies.push(dependency);
      });
    }
  }

  if (issues.length > 0) throw invalid(file, issues);
  return result;
}

function parseDependency(
  node: YamlNode,
  field: string,
  lineOf: (node: YamlNode | null | undefined) => number,
  issues: ManifestIssue[],
): ComponentDependency | null {
  const entryLine = lineOf(node);
  if (!isMap(node)) {
    issues.push({ line: entryLine, field, message: 'must be a mapping with at least `repository` and `component` or `path`' });
    return null;
  }
  const before = issues.length;
  const values: Partial<Record<DependencyField, { text: string; line: number }>> = {};
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as YamlNode | null;
    const line = lineOf((value ?? pair.key) as YamlNode);
    if (!(DEPENDENCY_FIELDS as readonly string[]).includes(key)) {
      issues.push({
        line: lineOf(pair.key as YamlNode),
        field: `${field}.${key}`,
        message: `is not a dependency field (known: ${DEPENDENCY_FIELDS.join(', ')})`,
      });
      continue;
    }
    const text = stringValue(value);
    if (text === null) {
      // A YAML number such as 1.10 would silently become 1.1: insist on a string.
      issues.push({ line, field: `${field}.${key}`, message: 'must be a non-empty string (quote it)' });
      continue;
    }
    values[key as DependencyField] = { text, line };
  }
  if (issues.length > before) return null;

  if (!values.repository) issues.push({ line: entryLine, field: `${field}.repository`, message: 'is required' });
  else if (/\s/.test(values.repository.text)) {
    issues.push({ line: values.repository.line, field: `${field}.repository`, message: 'must not contain spaces' });
  }
  if (!values.component && !values.path) {
    issues.push({ line: entryLine, field, message: 'needs `component` (found by name) or `path` (folder upstream)' });
  }
  for (const key of ['path', 'dest'] as const) {
    const value = values[key];
    if (!value) continue;
    const reason = unsafePathReason(value.text);
    if (reason) issues.push({ line: value.line, field: `${field}.${key}`, message: `'${value.text}' ${reason}` });
  }
  const given = (['version', 'ref', 'commit'] as const).filter((key) => values[key] !== undefined);
  if (given.length > 1) {
    issues.push({
      line: values[given[1]!]!.line,
      field: `${field}.${given[1]}`,
      message: `cannot be combined with \`${given[0]}\`; give exactly one of version, ref, commit`,
    });
  }
  if (values.version) {
    const reason = validateRange(values.version.text);
    if (reason) issues.push({ line: values.version.line, field: `${field}.version`, message: reason });
  }
  if (values.commit && !/^[0-9a-fA-F]{40}$/.test(values.commit.text)) {
    issues.push({ line: values.commit.line, field: `${field}.commit`, message: 'must be a full 40-hex commit id' });
  }
  if (values.name && /[\s/\\]/.test(values.name.text)) {
    issues.push({ line: values.name.line, field: `${field}.name`, message: 'must not contain spaces or slashes' });
  }
  if (issues.length > before) return null;

  const selector: Selector = values.commit
    ? { kind: 'commit', commit: values.commit.text.toLowerCase() }
    : values.ref
      ? { kind: 'ref', ref: values.ref.text }
      : { kind: 'version', range: values.version?.text ?? '*' };
  const dependency: ComponentDependency = { repository: values.repository!.text, selector, line: entryLine };
  if (values.component) dependency.component = values.component.text;
  if (values.path) dependency.path = normalizePath(values.path.text);
  if (values.version) dependency.version = values.version.text;
  if (values.ref) dependency.ref = values.ref.text;
  if (values.commit) dependency.commit = values.commit.text.toLowerCase();
  if (values.dest) dependency.dest = normalizePath(values.dest.text);
  if (values.name) dependency.name = values.name.text;
  return dependency;
}

function stringValue(node: YamlNode | null): string | null {
  if (!isScalar(node) || typeof node.value !== 'string') return null;
  const text = node.value.trim();
  return text === '' ? null : text;
}

function firstSentence(message: string): string {
  return message.split('\n')[0]!.replace(/\s+at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}

function invalid(file: string, issues: ManifestIssue[]): ForgeError {
  const first = issues[0]!;
  const where = first.field ? `field \`${first.field}\` ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new ForgeError('E_COMPONENT_INVALID', `${file}, line ${first.line}: ${where}${first.message}${more}.`, {
    hint: 'Fix component.yaml upstream, or pin a version whose component.yaml is valid.',
    data: { file, line: first.line, field: first.field, issues },
  });
}
