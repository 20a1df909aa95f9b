// Collects what is wrong with a file so the user sees every problem at once, each as
// `FILE:LINE: component 'NAME': field 'FIELD' what is wrong and what to do`.

import { ForgeError, type ErrorCode } from '../errors.js';

export interface FileProblem {
  /** 1-based line (0 when the file has no lines to point at). */
  line: number;
  /** 1-based column, for YAML syntax errors. */
  column?: number;
  component: string | null;
  field: string | null;
  /** What is wrong and what to do, without the file:line prefix. */
  message: string;
  /** The specific code of this problem (E_BAD_RANGE, E_PATH_ESCAPES...); the thrown error carries the file-level code. */
  code: ErrorCode;
}

export function formatProblem(file: string, problem: FileProblem): string {
  const where = problem.column === undefined ? `${file}:${problem.line}` : `${file}:${problem.line}:${problem.column}`;
  const subject = [
    problem.component === null ? null : `component '${problem.component}'`,
    problem.field === null ? null : `field '${problem.field}'`,
  ]
    .filter((part) => part !== null)
    .join(': ');
  // "component 'x': field 'version' is not..." reads as one sentence; without a field, a colon.
  if (subject === '') return `${where}: ${problem.message}`;
  return problem.field === null ? `${where}: ${subject}: ${problem.message}` : `${where}: ${subject} ${problem.message}`;
}

export function problemsError(code: ErrorCode, file: string, problems: FileProblem[], hint: string): ForgeError {
  const sorted = [...problems].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  const lines = sorted.map((problem) => formatProblem(file, problem));
  const message =
    lines.length === 1 ? lines[0]! : `${file} has ${lines.length} problems:\n${lines.map((line) => `  ${line}`).join('\n')}`;
  return new ForgeError(code, message, {
    hint,
    data: {
      file,
      errors: sorted.map(({ line, column, component, field, message, code: problemCode }) => ({
        line,
        ...(column === undefined ? {} : { column }),
        component,
        field,
        message,
        code: problemCode,
      })),
    },
  });
}
