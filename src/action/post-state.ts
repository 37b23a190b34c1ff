/**
 * What the main step leaves for the post step, in one place (as actions/checkout's state-helper).
 * The post step acts only on what is left here, and the main step leaves something only while a
 * run of its own may be in progress without it: while it creates or follows a run, and after a
 * timeout or cancel whose stop did not get through. A run the main step settled, or gave up on
 * for its own reasons, is released, so the post step never stops it.
 */
import * as core from '@actions/core'
import type { AbortReason } from '../common/errors.js'

const Keys = {
  IsPost: 'isPost',
  RunId: 'active_run_id',
  RunUrl: 'active_run_url',
  Marker: 'queueing_marker',
  WorkspaceId: 'workspace_id',
  WorkspaceUrl: 'workspace_url',
  StopReason: 'stop_reason',
  Adopted: 'adopted_run'
} as const

export interface LeftForPost {
  /** The run the main step was following, if it knew its ID. */
  runId: string
  runUrl: string
  /** The marker in the message of a run being created, to find it when its ID never came back. */
  marker: string
  workspaceId: string
  /** The workspace's page, for links to runs found by their marker. */
  workspaceUrl: string
  /** Why the main step was stopping the run; empty when it was killed without being told. */
  stopReason: AbortReason | ''
  /** The run was adopted (HCP Terraform queued it): only a cancelled job with cancel_on_abort stops it. */
  adopted: boolean
}

export const postState = {
  /** True in the post step: the main step marks the state before anything else. */
  isPost(): boolean {
    return core.getState(Keys.IsPost) === 'true'
  },
  markMainStarted(): void {
    core.saveState(Keys.IsPost, 'true')
  },
  /** About to create a run: saved first, so a kill between the request and its answer loses nothing. */
  creating(workspaceId: string, workspaceUrl: string, marker: string): void {
    core.saveState(Keys.WorkspaceId, workspaceId)
    core.saveState(Keys.WorkspaceUrl, workspaceUrl)
    core.saveState(Keys.Marker, marker)
  },
  following(runId: string, runUrl: string, adopted = false): void {
    core.saveState(Keys.RunId, runId)
    core.saveState(Keys.RunUrl, runUrl)
    core.saveState(Keys.Adopted, adopted ? 'true' : '')
  },
  /** The main step was told to stop (it may be killed before it finishes stopping the run). */
  stopping(reason: AbortReason): void {
    core.saveState(Keys.StopReason, reason)
  },
  /** Nothing for the post step to do: the run ended, was stopped, or is knowingly left running. */
  release(): void {
    core.saveState(Keys.RunId, '')
    core.saveState(Keys.Marker, '')
    core.saveState(Keys.StopReason, '')
    core.saveState(Keys.Adopted, '')
  },
  read(): LeftForPost {
    const reason = core.getState(Keys.StopReason)
    return {
      runId: core.getState(Keys.RunId),
      runUrl: core.getState(Keys.RunUrl),
      marker: core.getState(Keys.Marker),
      workspaceId: core.getState(Keys.WorkspaceId),
      workspaceUrl: core.getState(Keys.WorkspaceUrl),
      stopReason: reason === 'timeout' || reason === 'cancelled' ? reason : '',
      adopted: core.getState(Keys.Adopted) === 'true'
    }
  }
}
