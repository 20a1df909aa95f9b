// The pure resolution layer: versions from tags, upstream component.yaml,
// the dependency solver and the graph helpers. No I/O here.

export {
  formatAvailable,
  noMatchingVersionError,
  satisfiesRange,
  selectVersion,
  validateRange,
  versionsFromTags,
  type TagRef,
  type TagVersion,
} from './versions.js';
export {
  parseComponentManifest,
  type ComponentDependency,
  type ComponentManifest,
  type ManifestIssue,
} from './component-manifest.js';
export {
  solve,
  type Candidate,
  type Constraint,
  type Provider,
  type Requirement,
  type SolvedPackage,
  type SolveFailure,
  type SolveFailureCode,
  type SolveOptions,
  type SolveResult,
  type SolveSuccess,
} from './solver.js';
export { findCycle, renderDot, renderMermaid, renderTree, topologicalOrder, type GraphNode, type TopologicalResult } from './graph.js';
