/**
 * The stand-in for tests that talk to it as a client does: started before the file's tests,
 * stopped after, and `api()` sending a JSON:API request with the test token.
 */
import { afterAll, beforeAll } from '@jest/globals'
import { StandIn } from '../../stand-in/server.ts'

const auth = { Authorization: 'Bearer test-token', 'Content-Type': 'application/vnd.api+json' }

export interface StandInApi {
  readonly server: StandIn
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON:API documents, read field by field in the assertions
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }>
}

export function useStandInApi(): StandInApi {
  let server: StandIn | undefined
  beforeAll(async () => {
    server = new StandIn({ defaultTimings: { queueMs: 20, planMs: 100, applyMs: 100, applyQueueMs: 20, processingMs: 20 } })
    await server.start()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const running = (): StandIn => {
    if (!server) throw new Error('the stand-in is not started (useStandInApi must be called at the top of the file)')
    return server
  }
  return {
    get server() {
      return running()
    },
    async api(method, path, body) {
      const res = await fetch(`${running().url}${path}`, {
        method,
        headers: auth,
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers }
    }
  }
}
