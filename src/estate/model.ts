/**
 * The estate as the generator knows it once the file is read and checked: the shared defaults,
 * each workspace's step settings and what it needs. Data only; reading is parse.ts, the graph graph.ts.
 */

/** Settings a workspace's step takes; every one may be given in `defaults:` and overridden per workspace. */
export interface StepSettings {
  organization: string | undefined
  hostname: string | undefined
  /** The repository secret that holds the API token. */
  tokenSecret: string
  runsOn: string
  manualConfirm: boolean | undefined
  timeoutMinutes: number | undefined
  directory: string | undefined
  /** The GitHub environment of the workspace's job (required reviewers, protection rules). */
  environment: string | undefined
  /** Other inputs of the action, passed as they are. */
  with: Record<string, string>
}

/** One upstream output a workspace takes as a run variable. */
export interface VariableFrom {
  variable: string
  /** The estate key of the upstream workspace. */
  from: string
  output: string
}

export interface EstateWorkspace {
  /** How the file refers to it (needs, variables_from): its `key`, else its name, else its id. */
  key: string
  /** The job's id in the generated workflows. */
  jobId: string
  name: string | undefined
  id: string | undefined
  /** Where the entry is in the file, for messages: `workspaces[2] (platform)`. */
  where: string
  needs: string[]
  /** Run variables from the file: variable name → HCL literal. */
  variables: [string, string][]
  variablesFrom: VariableFrom[]
  settings: StepSettings
}

export interface EstateWorkflows {
  apply: string
  destroy: string
  /** Pushes to this branch apply the estate. */
  branch: string
  /** One group for both workflows: an apply and a destroy never run at once. */
  concurrencyGroup: string
}

export interface Estate {
  /** The file's path as the header and the check name it. */
  file: string
  /** `owner/repo@ref` of the action the steps use. */
  action: string
  workflows: EstateWorkflows
  workspaces: EstateWorkspace[]
}

/**
 * GitHub documents 256 jobs per workflow run (for a matrix; the same number bounds a run) and 500
 * KB per workflow file; one job of each workflow is the estate summary.
 */
export const MaxJobs = 256
export const MaxWorkspaces = MaxJobs - 1
export const MaxWorkflowBytes = 500 * 1000
export const SummaryJobId = 'estate-summary'
export const DefaultEstateFile = '.github/estate.yml'
export const DefaultAction = 'your-org/tfe-workspace-run@v1'

/** What is wrong with the file, every problem at once, each naming where it is. */
export class EstateError extends Error {
  override name = 'EstateError'
  readonly problems: string[]
  constructor(file: string, problems: string[]) {
    super(`${file} is not a valid estate:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}
