/**
 * One resource change as the Terraform CLI prints it: the `# … will be …` comment (with the
 * reason for a replace or delete, moved and imported notes) and the `resource "type" "name" {`
 * block with its attribute-level diff (values.ts). Plain text; escaping is section.ts's.
 */
import type { ParsedPlan, PlanResource } from '../../review/plan-json.js'
import { actionWord } from '../../review/plan-json.js'
import { Lines, objectBody, type Masks } from './values.js'

/** How reviewers group changes, destroys first. */
export type DiffGroup = 'delete' | 'replace' | 'forget' | 'update' | 'move' | 'import' | 'create' | 'read'
export const DiffGroups: readonly DiffGroup[] = ['delete', 'replace', 'forget', 'update', 'move', 'import', 'create', 'read']

export function groupOf(r: PlanResource): DiffGroup | undefined {
  const word = actionWord(r.change.actions)
  switch (word) {
    case 'delete':
    case 'update':
    case 'create':
    case 'read':
    case 'forget':
    case 'replace':
      return word
    case 'replace-forget':
      return 'replace'
    case 'no-op':
      if (r.previousAddress && r.previousAddress !== r.address) return 'move'
      if (r.change.importing) return 'import'
      return undefined
    default:
      return undefined
  }
}

const ReplaceReasons: Record<string, string> = {
  replace_because_tainted: 'is tainted, so must be replaced',
  replace_by_request: 'will be replaced, as requested',
  replace_by_triggers: 'will be replaced due to changes in replace_triggered_by'
}

const DeleteReasons: Record<string, (r: PlanResource) => string> = {
  delete_because_no_resource_config: r => `(because ${r.type}.${r.name} is not in configuration)`,
  delete_because_no_module: () => '(because its module is not in configuration)',
  delete_because_wrong_repetition: () => '(because the resource uses count or for_each differently)',
  delete_because_count_index: () => '(because its index is out of range for count)',
  delete_because_each_key: () => '(because its key is not in the for_each map)',
  delete_because_no_move_target: r => `(because ${r.previousAddress ?? 'it'} was moved to ${r.address}, which is not in configuration)`
}

/** The `# …` lines above a resource's block. */
export function headline(r: PlanResource, group: DiffGroup): string[] {
  const addr = r.deposed ? `${r.address} (deposed object ${r.deposed})` : r.address
  const lines: string[] = []
  const moved = Boolean(r.previousAddress && r.previousAddress !== r.address)
  switch (group) {
    case 'create':
      lines.push(`# ${addr} will be created`)
      break
    case 'read':
      lines.push(`# ${addr} will be read during apply`)
      break
    case 'update':
      lines.push(`# ${addr} will be updated in-place`)
      break
    case 'replace':
      if (r.change.actions.includes('forget')) lines.push(`# ${addr} must be replaced, but the existing object will not be destroyed`)
      else lines.push(`# ${addr} ${ReplaceReasons[r.actionReason ?? ''] ?? 'must be replaced'}`)
      break
    case 'forget':
      lines.push(`# ${addr} will no longer be managed by Terraform, but will not be destroyed`)
      break
    case 'delete': {
      lines.push(`# ${addr} will be destroyed`)
      const why = DeleteReasons[r.actionReason ?? '']
      if (why) lines.push(`# ${why(r)}`)
      break
    }
    case 'move':
      lines.push(`# ${r.previousAddress ?? ''} has moved to ${addr}`)
      break
    case 'import':
      lines.push(`# ${addr} will be imported`)
      break
  }
  if (moved && group !== 'move') lines.push(`# (moved from ${r.previousAddress ?? ''})`)
  if (r.change.importing && group !== 'import') {
    lines.push(r.change.importing.id ? `# (imported from ${JSON.stringify(r.change.importing.id)})` : '# (will be imported first)')
  }
  return lines.map(l => `  ${l}`)
}

const Symbols: Record<DiffGroup, string> = {
  create: '  +',
  delete: '  -',
  update: '  ~',
  replace: '-/+',
  forget: '  .',
  read: ' <=',
  move: '   ',
  import: '   '
}

/** The resource's whole text: headline, block, attribute diff. `truncated` when a cap cut it. */
export function renderResource(r: PlanResource, plan: ParsedPlan): { group: DiffGroup; text: string; truncated: boolean } | undefined {
  const group = groupOf(r)
  if (!group) return undefined
  const lines = new Lines()
  for (const l of headline(r, group)) lines.push(l)
  const symbol = r.change.actions[0] === 'create' && group === 'replace' ? '+/-' : Symbols[group]
  lines.push(`${symbol} ${r.mode === 'data' ? 'data' : 'resource'} ${JSON.stringify(r.type)} ${JSON.stringify(r.name)} {`)
  const c = r.change
  const masks: Masks = {
    unknown: c.afterUnknown,
    beforeSensitive: c.beforeSensitive,
    afterSensitive: c.afterSensitive,
    replacePaths: c.replacePaths
  }
  const before = group === 'create' || group === 'read' ? null : c.before
  const after = group === 'delete' || group === 'forget' ? null : c.after
  // An import shows the whole object, unchanged attributes too, as the CLI does.
  objectBody(lines, '      ', before, after, masks, plan.schema(r.providerName, r.mode, r.type), 0, Boolean(c.importing))
  lines.push('    }')
  if (lines.cut) lines.out.push('    # (cut: this resource has more lines than the summary shows)')
  return { group, text: lines.out.join('\n'), truncated: lines.cut }
}
