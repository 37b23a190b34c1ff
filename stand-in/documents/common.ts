/**
 * What every JSON:API document of the stand-in shares: the resource shape, list pages, error
 * documents, and reading a request body in either shape clients send. No resource of its own.
 */
export type Resource = {
  id: string
  type: string
  attributes: Record<string, unknown>
  relationships?: Record<string, unknown>
  links?: Record<string, unknown>
}

/** A page of a list (index.mdx "Pagination"). */
export function listDocument(
  all: Resource[],
  page: number,
  size: number
): { data: Resource[]; meta: { pagination: Record<string, number | null> } } {
  const pages = Math.max(1, Math.ceil(all.length / size))
  return {
    data: all.slice((page - 1) * size, page * size),
    meta: {
      pagination: {
        'current-page': page,
        'next-page': page < pages ? page + 1 : null,
        'prev-page': page > 1 ? page - 1 : null,
        'page-size': size,
        'total-count': all.length,
        'total-pages': pages
      }
    }
  }
}

/** An error document as the service sends it (`status` is a string there; 429's doc shows a number). */
export function errorDocument(
  status: number,
  title: string,
  detail?: string
): { errors: { status: string; title: string; detail?: string }[] } {
  return { errors: [{ status: String(status), title, ...(detail ? { detail } : {}) }] }
}

/**
 * The attributes of a request body, in either shape clients send: plain JSON (`{"reason":…}`, as
 * the docs show) or JSON:API (`{"data":{"type":"","attributes":{"reason":…}}}`, as go-tfe sends).
 * Undefined when the body is not JSON.
 */
export function bodyAttributes(text: string): Record<string, unknown> | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(text || '{}')
  } catch {
    return undefined
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return {}
  const data = (doc as { data?: { attributes?: unknown } }).data
  const attributes = data && typeof data === 'object' ? data.attributes : undefined
  return (attributes && typeof attributes === 'object' ? attributes : doc) as Record<string, unknown>
}
