// `npm run docs`: rewrites the README's inputs and outputs tables from action.yml.
import { readFileSync, writeFileSync } from 'node:fs'
import { ReadmePath, withTables } from '../__tests__/helpers/docs.ts'

writeFileSync(ReadmePath, withTables(readFileSync(ReadmePath, 'utf8')))
process.stdout.write('README.md tables rewritten from action.yml.\n')
