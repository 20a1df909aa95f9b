// The one way forge prints an error, from a command, the unknown-command hook or help:
// `Error: <message>` and the hint on stderr; under --json, `{"error": {...}}` on stdout.

import { redact, type ForgeError } from '../errors.js';
import { annotation } from './actions.js';
import { paint } from './render.js';

export function renderError(error: ForgeError, colors: boolean): string {
  return `${paint('red', 'Error', colors)}: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`;
}

export function errorJson(error: ForgeError): string {
  return `${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`;
}

export interface ErrorSinks {
  json: boolean;
  colors: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
  env: { [name: string]: string | undefined };
  /** Where the annotation points, when the error names a component of forge.yaml. */
  where?: { file: string; line?: number };
}

export function writeError(error: ForgeError, sinks: ErrorSinks): void {
  if (sinks.json) sinks.stdout(errorJson(error));
  else sinks.stderr(renderError(error, sinks.colors));
  if (sinks.env.GITHUB_ACTIONS === 'true') {
    // stdout keeps nothing but the JSON under --json; the runner reads annotations on both streams.
    const line = annotation('error', error.hint ? `${error.message} ${error.hint}` : error.message, { ...sinks.where, title: 'forge' });
    if (sinks.json) sinks.stderr(line);
    else sinks.stdout(line);
  }
  const debug = (sinks.env.DEBUG ?? '').split(',').some((d) => d.trim() === 'forge' || d.trim() === '*');
  if (debug) sinks.stderr(`${redact(String((error.cause as Error | undefined)?.stack ?? error.stack ?? ''))}\n`);
}

/** writeError to this process's stdout and stderr: what every command, hook and the last catch print. */
export function printError(error: ForgeError, how: Pick<ErrorSinks, 'json' | 'colors' | 'where'>): void {
  writeError(error, { ...how, stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), env: process.env });
}

/** `--json` given before the end of flags, or FORGE_CONTENT_TYPE=json (oclif's switch for every command). */
export function jsonRequested(argv: readonly string[], env: { [name: string]: string | undefined }): boolean {
  if (env.FORGE_CONTENT_TYPE?.toLowerCase() === 'json') return true;
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--json') return true;
  }
  return false;
}
