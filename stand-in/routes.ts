/**
 * The API's route table: every path the stand-in answers under /api/v2 (and service discovery),
 * one block of rows per resource module. Adding a resource is a module under resources/ and a
 * line here. Not the admin routes (resources/admin.ts has its own table) nor the pages (pages.ts).
 */
import type { Route } from './router.ts'
import type { ApiCall } from './resources/call.ts'
import { CommentRoutes } from './resources/comments.ts'
import { ConfigurationVersionRoutes } from './resources/configuration-versions.ts'
import { CostEstimateRoutes } from './resources/cost-estimates.ts'
import { DiscoveryRoutes } from './resources/discovery.ts'
import { PlanJsonRoutes } from './resources/plan-json.ts'
import { PolicyCheckRoutes } from './resources/policy-checks.ts'
import { RunActionRoutes } from './resources/run-actions.ts'
import { RunRoutes } from './resources/runs.ts'
import { RunTriggerRoutes } from './resources/run-triggers.ts'
import { StageRoutes } from './resources/stages.ts'
import { StateVersionRoutes } from './resources/state-versions.ts'
import { TaskStageRoutes } from './resources/task-stages.ts'
import { WorkspaceRoutes } from './resources/workspaces.ts'
import { WorkspaceListRoutes } from './resources/workspace-list.ts'

// No two rows match the same method and path, so their order only says what is looked at first.
export const ApiRoutes: readonly Route<ApiCall>[] = [
  ...DiscoveryRoutes,
  ...CommentRoutes,
  ...StateVersionRoutes,
  ...WorkspaceRoutes,
  ...WorkspaceListRoutes,
  ...ConfigurationVersionRoutes,
  ...RunRoutes,
  ...RunTriggerRoutes,
  ...PlanJsonRoutes,
  ...StageRoutes,
  ...RunActionRoutes,
  ...CostEstimateRoutes,
  ...PolicyCheckRoutes,
  ...TaskStageRoutes
]
