/**
 * JSON:API documents of the HCP Terraform API v2, written from its documentation (run.mdx,
 * plans.mdx, applies.mdx, workspaces.mdx, state-versions.mdx, state-version-outputs.mdx,
 * cost-estimates.mdx, run-triggers.mdx) and from the fields go-tfe decodes (comments, run events): the
 * stand-in answers with them, and the unit tests build their nock answers with them, so both
 * speak the same, documented shapes. Each builder takes the facts that vary and fills the rest as
 * the service does. This file only gathers them; each family has its file under documents/.
 *
 * Erasable TypeScript only: Node 24 runs this file directly (npm run stand-in).
 */
export { bodyAttributes, errorDocument, listDocument, type Resource } from './documents/common.ts'
export { runDocument, runResource, stageResource, type RunFacts, type StageFacts } from './documents/runs.ts'
export { workspaceResource, type WorkspaceFacts } from './documents/workspaces.ts'
export { outputResource, stateVersionResource } from './documents/state.ts'
export { runTriggerResource, type RunTriggerFacts } from './documents/run-triggers.ts'
export {
  commentResource,
  costEstimateResource,
  policyCheckResource,
  runEventResource,
  taskStageResources
} from './documents/run-details.ts'
