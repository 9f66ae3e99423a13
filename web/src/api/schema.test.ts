// The generated API types are current: `schema.d.ts` is what openapi-typescript makes of
// `openapi.json`, and `openapi.json` is what `kontor openapi` prints (checked by the Rust test
// `document::the_web_apps_copy_of_the_document_is_current`). `npm run gen:api` renews both.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

describe('generated API types', () => {
  it('schema.d.ts is generated from openapi.json (else run `npm run gen:api`)', () => {
    const cli = here('../../node_modules/openapi-typescript/bin/cli.js')
    const fresh = execFileSync(process.execPath, [cli, here('./openapi.json')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const committed = readFileSync(here('./schema.d.ts'), 'utf8')
    expect(committed === fresh, 'web/src/api/schema.d.ts is stale: run `npm run gen:api` in web/').toBe(true)
  }, 60_000)
})
