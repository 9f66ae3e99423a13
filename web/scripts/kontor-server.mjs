// Finds the kontor binary and starts `kontor serve` on a fresh data directory.
// Shared by playwright.config.ts and scripts/screenshots.mjs.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** KONTOR_BIN, else $CARGO_TARGET_DIR/debug/kontor, else ../target/debug/kontor (relative to web/). */
export function kontorBin() {
  if (process.env.KONTOR_BIN) return resolve(process.env.KONTOR_BIN)
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(webDir, '..', 'target')
  return join(target, 'debug', 'kontor')
}

export function freshDataDir(prefix = 'kontor-web-') {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function serveCommand(bin, dataDir, port, demo = false) {
  return { bin, args: ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, ...(demo ? ['--demo'] : [])] }
}

/** Start the server and wait until /api/v1/health answers. Returns { url, data, stop }. `demo`: the demo company. */
export async function startKontor({ port = 18090, timeoutMs = 60_000, demo = false } = {}) {
  const bin = kontorBin()
  if (!existsSync(bin)) throw new Error(`kontor binary not found at ${bin} (build it, or set KONTOR_BIN)`)
  const data = freshDataDir()
  const { args } = serveCommand(bin, data, port, demo)
  // Its own process group, so stop() also ends anything a wrapper given as KONTOR_BIN started.
  const child = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true })
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      /* already gone */
    }
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kontor exited with ${child.exitCode}`)
    try {
      const r = await fetch(`${url}/api/v1/health`)
      if (r.ok) break
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      stop()
      throw new Error('kontor did not answer /api/v1/health in time')
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return { url, data, stop }
}
