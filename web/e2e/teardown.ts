import { rmSync } from 'node:fs'

// Remove the temporary data directory the server ran on.
export default function teardown() {
  const dir = process.env.KONTOR_E2E_DATA
  if (dir && dir.includes('kontor-e2e-')) rmSync(dir, { recursive: true, force: true })
}
