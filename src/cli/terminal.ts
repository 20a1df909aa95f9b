// What the terminal and the environment allow: colour, progress, prompts. One
// answer for every command, from the stream and the environment only.

export interface Environment {
  [name: string]: string | undefined;
}

const set = (value: string | undefined): boolean => value !== undefined && value !== '';

/** `CI` set to anything but empty, `0` or `false`: no prompts, no progress. */
export function isCI(env: Environment): boolean {
  const ci = env.CI;
  return set(ci) && ci !== '0' && ci!.toLowerCase() !== 'false';
}

/**
 * Colour on a stream: `FORCE_COLOR` wins (on, or off when `0`/`false`), as Node and chalk read it;
 * then `NO_COLOR` (any non-empty value) turns it off, and so does `TERM=dumb`; otherwise only a
 * terminal gets colour.
 */
export function colorEnabled(isTTY: boolean | undefined, env: Environment): boolean {
  const force = env.FORCE_COLOR;
  if (set(force)) return !(force === '0' || force!.toLowerCase() === 'false');
  if (set(env.NO_COLOR)) return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(isTTY);
}

/** A progress line that rewrites itself: a terminal, not CI, and not asked to be quiet. */
export function progressEnabled(isTTY: boolean | undefined, env: Environment, options: { json: boolean; quiet: boolean }): boolean {
  return Boolean(isTTY) && !isCI(env) && !options.json && !options.quiet;
}

/** A terminal that understands cursor escapes (`TERM=dumb` only understands carriage return). */
export function cursorEscapes(env: Environment): boolean {
  return env.TERM !== 'dumb';
}
