import { defineConfig } from '@playwright/test'
import { freshDataDir, kontorBin, serveCommand } from './scripts/kontor-server.mjs'

// The e2e tests run against the real server binary:
//   KONTOR_BIN, else $CARGO_TARGET_DIR/debug/kontor, else ../target/debug/kontor (relative to web/),
// started as `kontor serve --data <fresh temp dir> --listen 127.0.0.1:<port>`; ready when /api/v1/health answers.
// The binary embeds web/dist at compile time: build the web app before the server.
// Playwright loads this file again in each worker: the port and data dir are fixed once, in the
// environment the workers inherit.
process.env.KONTOR_E2E_PORT ??= String(20000 + (process.pid % 20000))
process.env.KONTOR_E2E_DATA ??= freshDataDir('kontor-e2e-')
const port = Number(process.env.KONTOR_E2E_PORT)
const baseURL = `http://127.0.0.1:${port}`
const { bin, args } = serveCommand(kontorBin(), process.env.KONTOR_E2E_DATA, port)

export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  globalTeardown: './e2e/teardown.ts',
  // Tests tagged @screenshots refresh docs/screenshots: a tool, run only when asked for
  // (KONTOR_SCREENSHOTS=1), not a test that the normal run skips.
  grepInvert: process.env.KONTOR_SCREENSHOTS ? undefined : /@screenshots/,
  use: {
    baseURL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  // One server for all files, in this order: foundation sets the company up through its setup screen.
  projects: [
    { name: 'foundation', testMatch: /foundation\.spec\.ts/, use: { browserName: 'chromium' } },
    { name: 'crm', testMatch: /crm\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'import', testMatch: /import\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'transfer', testMatch: /transfer\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'notify', testMatch: /notify\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'i18n', testMatch: /i18n\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'permissions', testMatch: /permissions\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'files', testMatch: /files\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'modules', testMatch: /modules\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'backups', testMatch: /backups\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'products', testMatch: /products\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'sales', testMatch: /sales\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'projects', testMatch: /projects\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'goods', testMatch: /goods\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
    { name: 'nodes', testMatch: /nodes\.spec\.ts/, dependencies: ['foundation'], use: { browserName: 'chromium' } },
  ],
  webServer: {
    command: [bin, ...args].map((a) => JSON.stringify(a)).join(' '),
    url: `${baseURL}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
})
