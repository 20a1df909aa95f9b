/**
 * Checks JSON against GitHub's OpenAPI description (the extract in test/github-openapi, made from
 * a pinned @octokit/openapi by its extract.mjs). A small checker for the OpenAPI 3.0 schema
 * keywords that extract uses: $ref, type with nullable, enum, properties, required,
 * additionalProperties, items, minItems, minLength/maxLength, allOf, anyOf, oneOf (with its
 * discriminator; without one, at least one branch must match: GitHub's oneOf branches overlap,
 * e.g. a private user is also a valid public user), and the date-time and uri formats.
 *
 *   responseProblems('GET /repos/{owner}/{repo}', 200, body)   // [] when the body conforms
 *   requestProblems('POST /repos/{owner}/{repo}/pulls', body)
 */
import { createRequire } from 'node:module';

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  format?: string;
}

interface Subset {
  source: string;
  operations: Record<string, { operationId: string; requestBody: Schema | null; responses: Record<string, Schema | null> }>;
  components: { schemas: Record<string, Schema> };
}

const subset = createRequire(import.meta.url)('../github-openapi/github-rest-subset.json') as Subset;

export const OPENAPI_SOURCE = subset.source;
export const OPERATIONS = Object.keys(subset.operations);

function resolve(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; current.$ref && i < 20; i++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const found = subset.components.schemas[name];
    if (!found) throw new Error(`openapi extract: no schema ${name}`);
    current = found;
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every way `value` fails `schema`, as "path: problem" lines. */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  if (value === null && s.nullable) return [];
  const problems: string[] = [];
  if (s.allOf) for (const part of s.allOf) problems.push(...validate(part, value, path));
  if (s.anyOf && !s.anyOf.some((part) => validate(part, value, path).length === 0)) problems.push(`${path}: matches none of anyOf`);
  if (s.oneOf) {
    const mapped = s.discriminator && value && typeof value === 'object' ? s.discriminator.mapping?.[String((value as Record<string, unknown>)[s.discriminator.propertyName])] : undefined;
    if (mapped) problems.push(...validate({ $ref: mapped }, value, path));
    else {
      const results = s.oneOf.map((part) => validate(part, value, path));
      if (!results.some((r) => r.length === 0)) problems.push(`${path}: matches none of oneOf (${results.map((r) => r[0]).join(' | ')})`);
    }
  }
  if (s.type) {
    const actual = typeOf(value);
    const ok = actual === s.type || (s.type === 'number' && actual === 'integer');
    if (!ok) return [...problems, `${path}: expected ${s.type}${s.nullable ? ' or null' : ''}, got ${actual}`];
  }
  if (s.enum && !s.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) problems.push(`${path}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && value.length > s.maxLength) problems.push(`${path}: longer than ${s.maxLength}`);
    if (s.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) problems.push(`${path}: not a date-time: ${value}`);
    if (s.format === 'uri') {
      try {
        new URL(value);
      } catch {
        problems.push(`${path}: not a uri: ${value}`);
      }
    }
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) problems.push(`${path}: fewer than ${s.minItems} items`);
    if (s.items) value.forEach((item, i) => problems.push(...validate(s.items!, item, `${path}[${i}]`)));
  } else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of s.required ?? []) if (!(name in object)) problems.push(`${path}: missing required ${name}`);
    for (const [name, child] of Object.entries(object)) {
      const declared = s.properties?.[name];
      if (declared) problems.push(...validate(declared, child, `${path}.${name}`));
      else if (s.additionalProperties === false) problems.push(`${path}: unexpected property ${name}`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') problems.push(...validate(s.additionalProperties, child, `${path}.${name}`));
    }
  }
  return problems;
}

function operation(route: string) {
  const op = subset.operations[route];
  if (!op) throw new Error(`openapi extract has no operation ${route}; add it to test/github-openapi/extract.mjs`);
  return op;
}

/**
 * Answers GitHub gives on any operation though the description lists them only on some: bad
 * credentials (401), rate limits (403, 429), a repository that is not there (404) and server
 * failures. Their body is a basic-error.
 */
const ANY_OPERATION = new Set([401, 403, 404, 429, 500, 502, 503]);

/** Problems of a response; a status the description does not list for the operation is one. */
export function responseProblems(route: string, status: number, body: unknown): string[] {
  const op = operation(route);
  if (!(String(status) in op.responses)) {
    if (ANY_OPERATION.has(status)) return validate({ $ref: '#/components/schemas/basic-error' }, body).map((p) => `${route} ${status}: ${p}`);
    return [`${route}: status ${status} is not among ${Object.keys(op.responses).join(', ')}`];
  }
  const schema = op.responses[String(status)];
  return schema ? validate(schema, body).map((p) => `${route} ${status}: ${p}`) : [];
}

export function requestProblems(route: string, body: unknown): string[] {
  const op = operation(route);
  return op.requestBody ? validate(op.requestBody, body).map((p) => `${route} request: ${p}`) : [];
}
