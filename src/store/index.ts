// Adapters for forge's files: forge.yaml, forge.lock.yaml and the local state in .forge/.

export { writeFileAtomic, type WriteFileAtomicOptions } from './atomic.js';
export { createBlobStore } from './blobs.js';
export {
  createLockStore,
  emptyLockfile,
  LOCK_ENTRY_KEYS,
  LOCKFILE_NAME,
  LOCKFILE_VERSION,
  migrations,
  parseLockfile,
  serializeLockfile,
} from './lockfile.js';
export { createManifestStore, ensureGitignore, MANIFEST_FILE, parseManifest } from './manifest.js';
export { formatProblem, type FileProblem } from './problems.js';
export { acquireProcessLock, PROCESS_LOCK_FILE, type ProcessLock, type ProcessLockOwner } from './process-lock.js';
export { badRefReason, badRepositoryReason, badRangeReason } from './rules.js';
export { createStateStore, emptyState, HISTORY_LIMIT, STATE_FILE, STATE_VERSION, type State } from './state.js';
