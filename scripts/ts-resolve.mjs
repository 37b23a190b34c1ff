// Lets a benchmark import the TypeScript sources directly on Node 24 (type stripping): a
// relative `./x.js` import resolves to `./x.ts` when only the latter exists, as tsc's NodeNext does.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL)
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(ts))) return next(ts.href, context)
  }
  return next(specifier, context)
}`)
)
