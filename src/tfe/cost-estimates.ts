/** Cost estimates (`GET /cost-estimates/:id`): a run's monthly costs before and after its plan, as numbers. */
import type { Document, TfeClient } from './client.js'
import { getDocument, seg } from './documents.js'

export interface CostEstimate {
  id: string
  /** pending, queued, running, finished, errored, canceled, skipped_due_to_targeting. */
  status: string
  errorMessage: string | undefined
  priorMonthly: number | undefined
  proposedMonthly: number | undefined
  deltaMonthly: number | undefined
  resources: number | undefined
  matched: number | undefined
  unmatched: number | undefined
}

/** The API writes money as decimal strings ("12.50"); anything else is no amount. */
function amount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value !== 'string' || !/^-?\d{1,12}(\.\d+)?$/.test(value.trim())) return undefined
  return Number(value)
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined
}

export function toCostEstimate(doc: Document): CostEstimate {
  const a = doc.data.attributes
  return {
    id: doc.data.id,
    status: typeof a.status === 'string' ? a.status : '',
    errorMessage: typeof a['error-message'] === 'string' && a['error-message'] ? a['error-message'] : undefined,
    priorMonthly: amount(a['prior-monthly-cost']),
    proposedMonthly: amount(a['proposed-monthly-cost']),
    deltaMonthly: amount(a['delta-monthly-cost']),
    resources: count(a['resources-count']),
    matched: count(a['matched-resources-count']),
    unmatched: count(a['unmatched-resources-count'])
  }
}

export async function getCostEstimate(client: TfeClient, id: string, signal?: AbortSignal): Promise<CostEstimate> {
  return toCostEstimate(await getDocument(client, `/api/v2/cost-estimates/${seg(id)}`, signal))
}

/** Statuses after which the estimate will not change. */
export const CostEstimateFinal = new Set(['finished', 'errored', 'canceled', 'skipped_due_to_targeting'])
