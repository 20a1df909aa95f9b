// GitHub Actions' workflow commands and files, written by forge itself rather than through
// @actions/core: forge needs three of its functions (annotations, outputs, the job summary), the
// rules that make them safe are short and tested here (test/unit/cli-actions.test.ts), and the
// package would be one more dependency loaded by a CLI that mostly runs outside Actions.
//
// - Annotations: `::error file=F,line=N,title=T::message` on stdout (stderr under --json, which
//   keeps stdout for the JSON; the runner reads both). In the message `%`, `\r` and `\n` are
//   escaped as %25, %0D, %0A; in property values also `:` and `,` (%3A, %2C), as the runner
//   unescapes them.
// - Outputs: appended to $GITHUB_OUTPUT as `name=value`, or for a value with a line break as
//   `name<<DELIMITER`, the value, `DELIMITER`, with a random delimiter; a name or value that
//   holds the delimiter is refused (it would end the value early and forge the rest).
// - Job summary: Markdown appended to $GITHUB_STEP_SUMMARY.
// Nothing carries a registered secret: every text goes through redact().

import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { redact } from '../errors.js';

export interface ActionsEnvironment {
  GITHUB_ACTIONS?: string | undefined;
  GITHUB_OUTPUT?: string | undefined;
  GITHUB_STEP_SUMMARY?: string | undefined;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  title?: string;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, e.g. `::warning file=forge.yaml,line=3,title=forge::button is outdated\n`. */
export function annotation(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): string {
  const props = (Object.entries(properties) as [string, string | number | undefined][])
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(redact(String(value)))}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(redact(message))}\n`;
}

/** A delimiter no value is likely to hold, as @actions/core makes them. */
export function randomDelimiter(): string {
  return `ghadelimiter_${randomUUID()}`;
}

/** The $GITHUB_OUTPUT lines for one output. */
export function outputEntry(name: string, value: string, delimiter: string = randomDelimiter()): string {
  if (name === '' || /[\r\n=]|<</.test(name)) throw new Error(`Invalid GitHub Actions output name: ${JSON.stringify(name)}`);
  const safe = redact(value);
  if (!/[\r\n]/.test(safe)) return `${name}=${safe}\n`;
  if (name.includes(delimiter)) throw new Error(`Output name ${JSON.stringify(name)} contains the delimiter ${delimiter}`);
  if (safe.includes(delimiter)) throw new Error(`The value of output ${name} contains the delimiter ${delimiter}`);
  return `${name}<<${delimiter}\n${safe}\n${delimiter}\n`;
}

/** What a command writes for GitHub Actions; every method does nothing outside Actions. */
export class Actions {
  constructor(
    private readonly env: ActionsEnvironment,
    private readonly write: (text: string) => void,
  ) {}

  get enabled(): boolean {
    return this.env.GITHUB_ACTIONS === 'true';
  }

  annotate(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): void {
    if (this.enabled) this.write(annotation(level, message, properties));
  }

  /** Appends outputs (numbers and booleans as text, anything else as JSON). */
  output(values: Record<string, string | number | boolean | null | object>): void {
    const file = this.env.GITHUB_OUTPUT;
    if (!file) return;
    const text = Object.entries(values)
      .map(([name, value]) => outputEntry(name, typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)))
      .join('');
    appendFileSync(file, text, 'utf8');
  }

  summary(markdown: string): void {
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (!file) return;
    appendFileSync(file, `${redact(markdown).replace(/\n*$/, '')}\n\n`, 'utf8');
  }
}
