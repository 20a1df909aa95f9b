// The public face of src/merge: pure three-way merges and diffs, no I/O.
export { mergeText, mergeTextFavor, renderRegions, MARKER_LOCAL, MARKER_SEPARATOR, MARKER_UPSTREAM } from './text.js';
export type { MergeRegion, TextMergeResult, Favor, ConflictChoice } from './text.js';
export { mergeFile, isBinaryContent } from './file.js';
export type { FileSide, FileMergeResult, FileMergeOptions, FileConflictType } from './file.js';
export { mergeStructured, structuredChanges, setField, parseFieldValue, structuredFormat, yamlProblem } from './structured.js';
export type { FieldChange, StructuredFormat } from './structured.js';
export { unifiedDiff } from './unified-diff.js';
export { diffRecords, splitRecords } from './xdiff.js';
export type { DiffChange, DiffOptions } from './xdiff.js';
