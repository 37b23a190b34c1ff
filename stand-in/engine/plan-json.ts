/**
 * The stand-in's JSON plans with attribute-level changes, as `terraform show -json` writes them
 * (and HCP Terraform's redacted form, which drops sensitive values and adds provider schemas):
 * before/after values, after_unknown, before/after_sensitive, replace_paths, action reasons,
 * moved and imported resources, output changes. Per workspace scenario (`planScenario`); every
 * other plan gets generic values derived from each change's address and action.
 */
import type { Change, OutputChange } from './logs.ts'

export type PlanScenario = 'review'

const Provider = 'registry.terraform.io/hashicorp/aws'

interface ScenarioResource {
  change: Change
  json: Record<string, unknown>
}

/** The `review` scenario: what a reviewer meets in a real estate, one of each. */
function reviewResources(): ScenarioResource[] {
  return [
    {
      change: { address: 'aws_db_instance.main', action: 'replace' },
      json: {
        type: 'aws_db_instance',
        name: 'main',
        action_reason: 'replace_because_cannot_update',
        change: {
          actions: ['delete', 'create'],
          before: {
            id: 'db-ORDERS1',
            engine: 'postgres',
            engine_version: '13.7',
            instance_class: 'db.t3.large',
            password: 'stand-in-db-secret-1',
            tags: { team: 'orders' }
          },
          after: {
            engine: 'postgres',
            engine_version: '16.1',
            instance_class: 'db.t3.large',
            password: 'stand-in-db-secret-2',
            tags: { team: 'orders' }
          },
          after_unknown: { id: true, endpoint: true },
          before_sensitive: { password: true },
          after_sensitive: { password: true },
          replace_paths: [['engine_version']]
        }
      }
    },
    {
      change: { address: 'aws_instance.web', action: 'update' },
      json: {
        type: 'aws_instance',
        name: 'web',
        change: {
          actions: ['update'],
          before: {
            id: 'i-0abc123',
            ami: 'ami-0123',
            instance_type: 't2.micro',
            tags: { Name: 'web', env: 'prod', owner: 'team-a' },
            vpc_security_group_ids: ['sg-1', 'sg-2'],
            root_block_device: [{ volume_size: 8, volume_type: 'gp2', encrypted: true }],
            user_data: 'stand-in-user-data-secret-1'
          },
          after: {
            id: 'i-0abc123',
            ami: 'ami-0123',
            instance_type: 't3.micro',
            tags: { Name: 'web', env: 'prod', cost: 'web-tier' },
            vpc_security_group_ids: ['sg-1', 'sg-3'],
            root_block_device: [{ volume_size: 20, volume_type: 'gp3', encrypted: true }],
            user_data: 'stand-in-user-data-secret-2'
          },
          after_unknown: { public_dns: true },
          before_sensitive: { user_data: true },
          after_sensitive: { user_data: true },
          replace_paths: []
        }
      }
    },
    {
      change: { address: 'aws_s3_bucket.logs', action: 'create' },
      json: {
        type: 'aws_s3_bucket',
        name: 'logs',
        change: {
          actions: ['create'],
          before: null,
          after: { bucket: 'acme-logs', force_destroy: false, tags: { env: 'prod' } },
          after_unknown: { id: true, arn: true },
          before_sensitive: false,
          after_sensitive: {}
        }
      }
    },
    {
      change: { address: 'aws_iam_role.legacy', action: 'delete' },
      json: {
        type: 'aws_iam_role',
        name: 'legacy',
        action_reason: 'delete_because_no_resource_config',
        change: {
          actions: ['delete'],
          before: { id: 'legacy', name: 'legacy', max_session_duration: 3600 },
          after: null,
          after_unknown: {},
          before_sensitive: {},
          after_sensitive: false
        }
      }
    }
  ]
}

/** Moved and imported resources: no-ops in the counts, shown to reviewers all the same. */
function reviewNoOps(): Record<string, unknown>[] {
  return [
    {
      address: 'module.network.aws_subnet.private[0]',
      previous_address: 'aws_subnet.private[0]',
      module_address: 'module.network',
      mode: 'managed',
      type: 'aws_subnet',
      name: 'private',
      index: 0,
      provider_name: Provider,
      change: {
        actions: ['no-op'],
        before: { id: 'subnet-1', cidr_block: '10.0.1.0/24' },
        after: { id: 'subnet-1', cidr_block: '10.0.1.0/24' },
        after_unknown: {},
        before_sensitive: {},
        after_sensitive: {}
      }
    },
    {
      address: 'aws_route53_zone.main',
      mode: 'managed',
      type: 'aws_route53_zone',
      name: 'main',
      provider_name: Provider,
      change: {
        actions: ['no-op'],
        before: { id: 'Z123', name: 'acme.example' },
        after: { id: 'Z123', name: 'acme.example' },
        after_unknown: {},
        before_sensitive: {},
        after_sensitive: {},
        importing: { id: 'Z123' }
      }
    }
  ]
}

/** The changes a scenario's plan makes (its log and counts agree with its JSON). */
export function scenarioChanges(scenario: PlanScenario, destroyRun: boolean): Change[] {
  const changes = reviewResources().map(r => r.change)
  if (scenario !== 'review') return changes
  return destroyRun ? changes.map(c => ({ address: c.address, action: 'delete' as const })) : changes
}

function typeAndName(address: string): { type: string; name: string } {
  const parts = address.replace(/\[[^\]]*\]$/, '').split('.')
  return { type: parts.at(-2) ?? 'null_resource', name: parts.at(-1) ?? 'this' }
}

/** Generic attribute-level values for any change: an instance that grows, a tag that changes. */
function genericJson(c: Change): Record<string, unknown> {
  const { type, name } = typeAndName(c.address)
  const before = { id: `${name}-1`, size: 'small', tags: { Name: name, env: 'dev' } }
  const after = { id: `${name}-1`, size: c.action === 'update' ? 'large' : 'small', tags: { Name: name, env: 'dev' } }
  const change =
    c.action === 'create'
      ? {
          actions: ['create'],
          before: null,
          after: { ...after, id: null },
          after_unknown: { id: true },
          before_sensitive: false,
          after_sensitive: {}
        }
      : c.action === 'delete'
        ? { actions: ['delete'], before, after: null, after_unknown: {}, before_sensitive: {}, after_sensitive: false }
        : c.action === 'replace'
          ? {
              actions: ['delete', 'create'],
              before,
              after: { ...after, id: null, size: 'large' },
              after_unknown: { id: true },
              before_sensitive: {},
              after_sensitive: {},
              replace_paths: [['size']]
            }
          : c.action === 'read'
            ? {
                actions: ['read'],
                before: null,
                after: { id: null },
                after_unknown: { id: true },
                before_sensitive: false,
                after_sensitive: {}
              }
            : { actions: ['update'], before, after, after_unknown: {}, before_sensitive: {}, after_sensitive: {} }
  return { type, name, change }
}

const Schemas = {
  [Provider]: {
    resource_schemas: {
      aws_instance: {
        block: {
          attributes: { id: {}, ami: {}, instance_type: {}, tags: {}, vpc_security_group_ids: {}, user_data: { sensitive: true } },
          block_types: {
            root_block_device: { nesting_mode: 'list', block: { attributes: { volume_size: {}, volume_type: {}, encrypted: {} } } }
          }
        }
      }
    }
  }
}

/** Removes what a redacted plan removes: every value its sensitive mask marks (the mask itself stays). */
function redact(value: unknown, mask: unknown): unknown {
  if (mask === true) return null
  if (Array.isArray(value)) return value.map((v, i) => redact(v, Array.isArray(mask) ? mask[i] : undefined))
  if (typeof value === 'object' && value !== null) {
    const m = typeof mask === 'object' && mask !== null ? (mask as Record<string, unknown>) : {}
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, m[k])]))
  }
  return value
}

export interface JsonPlanInput {
  changes: Change[]
  outputs: OutputChange[]
  scenario: PlanScenario | undefined
  redacted: boolean
}

export function attributeJsonPlan(input: JsonPlanInput): Record<string, unknown> {
  const scenario = input.scenario === 'review' ? new Map(reviewResources().map(r => [r.change.address, r.json])) : new Map()
  const resourceChanges: Record<string, unknown>[] = input.changes.map(c => {
    const json = (scenario.get(c.address) as Record<string, unknown> | undefined) ?? genericJson(c)
    const { type, name } = typeAndName(c.address)
    const base = { address: c.address, mode: c.action === 'read' ? 'data' : 'managed', type, name, provider_name: Provider, ...json }
    // A destroy run's plan deletes what the scenario would change.
    if (c.action === 'delete' && (json.change as { actions?: string[] }).actions?.[0] !== 'delete') {
      const before = (json.change as { before?: unknown }).before ?? { id: name }
      return {
        ...base,
        change: { actions: ['delete'], before, after: null, after_unknown: {}, before_sensitive: {}, after_sensitive: false }
      }
    }
    return base
  })
  if (input.scenario === 'review' && !input.changes.every(c => c.action === 'delete')) resourceChanges.push(...reviewNoOps())
  const plan: Record<string, unknown> = {
    format_version: '1.2',
    terraform_version: '1.9.5',
    resource_changes: input.redacted
      ? resourceChanges.map(rc => {
          const ch = rc.change as Record<string, unknown>
          return { ...rc, change: { ...ch, before: redact(ch.before, ch.before_sensitive), after: redact(ch.after, ch.after_sensitive) } }
        })
      : resourceChanges,
    output_changes: Object.fromEntries(
      input.outputs.map(o => [
        o.name,
        {
          actions: ['create'],
          before: null,
          after: o.sensitive && input.redacted ? null : (o.value ?? null),
          after_unknown: false,
          before_sensitive: false,
          after_sensitive: o.sensitive
        }
      ])
    )
  }
  if (input.redacted) plan.provider_schemas = Schemas
  return plan
}
