import { expect } from 'vitest';
import { ForgeError } from '../../src/errors.js';

/** Awaits a promise that must reject with a ForgeError, and returns that error. */
export async function caught(promise: Promise<unknown>): Promise<ForgeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ForgeError);
    return error as ForgeError;
  }
  throw new Error('expected a ForgeError');
}
