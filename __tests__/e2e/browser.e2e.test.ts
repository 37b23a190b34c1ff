/**
 * The run page a newcomer opens from the URL the action prints, in a real headless Chromium:
 * a run waits for confirmation (manual_confirm), the page's "Confirm & apply" is clicked, and the
 * action's step finishes applied. Chromium comes from Debian's packages (.ci/run installs it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { StandIn } from '../../stand-in/server.ts'
import { runStep, waitFor } from '../helpers/action-runner.ts'
import { StandInText } from '../helpers/stand-in.ts'
import { stepFacts } from '../helpers/step-facts.ts'

const ChromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const haveChromium = existsSync(ChromiumPath)
if (!haveChromium && !process.env.CI) {
  process.stderr.write(`Skipping the browser test: no Chromium at ${ChromiumPath} (apt-get install chromium, or set CHROMIUM_PATH).\n`)
}
// In CI the browser test must run: a missing Chromium fails it instead of skipping it.
const browserIt = haveChromium || process.env.CI ? it : it.skip

let standIn: StandIn
let browser: Browser | undefined

beforeAll(async () => {
  standIn = new StandIn({ defaultTimings: { queueMs: 20, planMs: 200, applyMs: 200, applyQueueMs: 20, processingMs: 20 } })
  await standIn.start()
})
afterAll(async () => {
  await browser?.close()
  await standIn.stop()
})

describe('the run page', () => {
  browserIt('confirms a run waiting for a person, and the step finishes applied', async () => {
    browser = await chromium.launch({
      executablePath: ChromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    })
    const ws = standIn.addWorkspace({ name: 'browser', changes: { add: 2, change: 0, destroy: 0 } })
    let printed = ''
    const step = runStep({
      inputs: {
        token: 'test-token',
        hostname: standIn.url,
        organization: 'demo-org',
        workspace: ws.name,
        manual_confirm: 'true',
        timeout_minutes: '2'
      },
      onSpawn: child => child.stdout?.on('data', (d: Buffer) => (printed += String(d)))
    })
    await waitFor(() => standIn.runsOf(ws.id)[0]?.confirmable === true, 15_000, 'the run to wait for confirmation')
    // The URL the action printed in its notice, as a person would copy it.
    const noticed = (): string | undefined => stepFacts(printed).notices.find(n => n.inputs.includes('manual_confirm'))?.urls[0]
    await waitFor(() => noticed() !== undefined, 15_000, 'the notice with the run URL')
    const url = noticed() as string
    const page = await browser.newPage()
    await page.goto(url)
    expect(await page.textContent('#status')).toBe('planned')
    expect(await page.textContent('body')).toContain(`aws_instance.web[1]: ${StandInText.planned.create}`)
    expect(await page.$$('#actions button[value="confirm"]')).toHaveLength(1)
    await page.click('button[value="confirm"]')
    const r = await step
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('applied')
    await page.goto(url)
    expect(await page.textContent('#status')).toBe('applied')
    // Nothing left to do on the page: no button offered.
    expect(await page.$$('#actions button')).toEqual([])
  })
})
