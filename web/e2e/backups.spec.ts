import { expect, test } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { ADMIN, ensureSetup, input, loginAs } from './helpers'

// Scheduled backups on the admin's screen (issue 16), in headless Chromium against the real
// server: the admin sees no backup yet, backs up now and sees the run and the archive listed;
// a directory that does not exist is refused on its field, in the viewer's language.
// With KONTOR_SCREENSHOTS=1 it also saves the screen at 1440 and 390 px, in zh-CN and en.

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
})

test('the admin backs up now and sees the run and the archive; a missing directory is refused', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/admin/backups')
  await expect(page.locator('h1')).toHaveText('数据备份')
  await page.locator('[data-test=backup-now]').click()
  await expect(page.locator('[data-test=backup-runs] li').first()).toContainText('成功')
  await expect(page.locator('[data-test=backup-runs] li').first()).toContainText('-manual.tar')
  await expect(page.locator('[data-test=backup-files] li').first()).toContainText('-manual.tar')
  await expect(page.locator('[data-test=backup-state]')).toContainText('-manual.tar')

  await input(page, 'backup-dir').fill('/no/such/disk')
  await page.locator('[data-test=backup-save]').click()
  await expect(page.locator('.el-form-item__error')).toContainText('目录 /no/such/disk 不存在')
  await input(page, 'backup-dir').fill('')
  await page.locator('[data-test=backup-save]').click()
  await expect(page.locator('.el-form-item__error')).toHaveCount(0)
  expect(pageErrors).toEqual([])
})

test('screenshots of the backups screen @screenshots', async ({ page, baseURL }) => {
  const out = `${process.cwd()}/../docs/screenshots/`
  mkdirSync(out, { recursive: true })
  await loginAs(page, ADMIN.username, ADMIN.password)
  for (const lang of ['zh-CN', 'en'] as const) {
    const res = await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: lang } })
    expect(res.ok(), await res.text()).toBe(true)
    for (const [name, width, height] of [['desktop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height })
      await page.goto('/admin/backups')
      await expect(page.locator('[data-test=backup-files] li').first()).toBeVisible()
      const short = lang === 'zh-CN' ? 'zh' : 'en'
      await page.screenshot({ path: `${out}backups-${name}-${short}.png`, fullPage: true })
    }
  }
  await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: 'zh-CN' } })
})
