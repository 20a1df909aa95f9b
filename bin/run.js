#!/usr/bin/env node
import { flush, run } from '@oclif/core';

try {
  await run(process.argv.slice(2), import.meta.url);
  await flush();
} catch (error) {
  // Every error leaves in forge's one style (loaded only when something was thrown).
  const { handleFatal } = await import('../dist/cli/fatal.js');
  await handleFatal(error, import.meta.url);
}
