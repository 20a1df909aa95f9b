#!/usr/bin/env node
// Starts forge from its one-file build, dist/cli/forge.cjs (scripts/build.mjs), compiled with V8's
// code cache: Node 20 has no module compile cache (module.enableCompileCache is Node 22), and
// compiling the bundle costs more than running `--version` itself. The cache sits next to the
// bundle, named after the bundle's size and mtime and after Node's version, and is written when
// missing or refused, right after the bundle's top level ran: so it is the same whichever
// command runs first (a cache written after a pull held isomorphic-git, twice the size, and
// slowed every later start by deserializing it). Where it cannot be written (a read-only
// install) forge compiles each time.
//
// This file is CommonJS (bin/package.json): an ES module entry costs Node's ESM loader, 4 ms.
// The bundle is registered in require's cache under its own path, so oclif's `require` of the
// explicit command target (package.json oclif.commands) finds this very instance. Code inside a
// vm.Script cannot `import()` on Node 20 without an experimental flag, so the bundle's dynamic
// imports of real ES modules (oclif plugins and hooks) go through globalThis.__forgeImport,
// which is this module's own import().
'use strict';
const { readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const bundle = realpathSync(join(__dirname, '..', 'dist', 'cli', 'forge.cjs'));
const source = readFileSync(bundle, 'latin1'); // the build guarantees ASCII
const { size, mtimeMs } = statSync(bundle);
const cacheFile = `${bundle}.${size}-${Math.floor(mtimeMs)}.node-${process.version}-${process.arch}.v8cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}

globalThis.__forgeImport = (specifier) => import(specifier);
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
const mod = new Module(bundle, module);
mod.filename = bundle;
mod.paths = Module._nodeModulePaths(dirname(bundle));
Module._cache[bundle] = mod;
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dirname(bundle));
mod.loaded = true;

if (cachedData === undefined || script.cachedDataRejected) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cacheFile);
  } catch {
    // Not writable: the next run compiles again, nothing else changes.
    try {
      unlinkSync(temp);
    } catch {}
  }
}

// oclif finds package.json by walking up from `dir`: from the bundle, not from bin/, which has
// its own package.json. Every error no command rendered (a plugin's command, oclif itself) leaves
// in forge's one style through the last catch (src/cli/fatal.ts), loaded only then.
const forge = mod.exports;
forge
  .run(process.argv.slice(2), bundle)
  .then(() => forge.flush())
  .catch((error) => forge.loadFatal().handleFatal(error, bundle));
