/**
 * The stand-in for tests that talk to it as a client does: the file's stand-in (stand-in.ts),
 * and `api()` sending a JSON:API request with the test token.
 */
import type { StandIn } from '../../stand-in/server.ts'
import { useStandIn } from './stand-in.ts'

const auth = { Authorization: 'Bearer test-token', 'Content-Type': 'application/vnd.api+json' }

export interface StandInApi {
  readonly server: StandIn
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON:API documents, read field by field in the assertions
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }>
}

export function useStandInApi(): StandInApi {
  const fixture = useStandIn('api', { defaultTimings: { queueMs: 20, planMs: 100, applyMs: 100, applyQueueMs: 20, processingMs: 20 } })
  return {
    get server() {
      return fixture.server
    },
    async api(method, path, body) {
      const res = await fetch(`${fixture.server.url}${path}`, {
        method,
        headers: auth,
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers }
    }
  }
}
