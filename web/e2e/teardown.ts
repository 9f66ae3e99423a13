import { rmSync } from 'node:fs'

// Removes the e2e data directory. Playwright may run this before it stops the server, which can
// still be writing its search index there: retry, and leave the directory rather than fail.
export default function teardown() {
  const dir = process.env.KONTOR_E2E_DATA
  if (!dir || !dir.includes('kontor-e2e-')) return
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
  } catch (e) {
    console.warn(`left the e2e data directory ${dir}: ${(e as Error).message}`)
  }
}
