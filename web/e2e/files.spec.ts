import { expect, test, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { ADMIN, ensureSetup, input, loginAs } from './helpers'

// Files on a customer (PLT-3), in headless Chromium against the real server: the admin picks a
// file on the customer's Files tab, sees it listed (v1, then v2 for the same name), downloads it
// and gets the same bytes under its Chinese name; a dropped file uploads too; a refused type shows
// the server's message; a
// timeline note is saved with a file, shown under the entry.
// With KONTOR_SCREENSHOTS=1 it also saves the panel at 1440 and 390 px, in zh-CN and en, under
// docs/screenshots/.

const CUSTOMER = 'Hansen Trading ApS'
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% 报价单 Kontor e2e\n%%EOF\n')

test.describe.configure({ mode: 'serial' })

let customerId = 0

/** A small PNG made in the page (no image file in the repository). */
async function pngBytes(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 240
    c.height = 160
    const g = c.getContext('2d')!
    const grad = g.createLinearGradient(0, 0, 240, 160)
    grad.addColorStop(0, '#2b63c6')
    grad.addColorStop(1, '#f2b33d')
    g.fillStyle = grad
    g.fillRect(0, 0, 240, 160)
    g.fillStyle = '#fff'
    g.fillRect(70, 40, 100, 80)
    return c.toDataURL('image/png').split(',')[1]
  })
  return Buffer.from(b64, 'base64')
}

async function openFiles(page: Page) {
  await page.goto(`/crm/customers/${customerId}`)
  await expect(page.locator('[data-test=customer-title]')).toHaveText(CUSTOMER)
  await page.locator('#tab-files').click()
  await expect(page.locator('[data-test=attachments-panel]')).toBeVisible()
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const login = await request.post('/api/v1/auth/login', { headers: { origin: baseURL! }, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const res = await request.post('/api/v1/customers', { headers: { origin: baseURL! }, data: { name: CUSTOMER, country: 'DK' } })
  expect(res.status(), await res.text()).toBe(201)
  customerId = (await res.json()).id
  await request.post('/api/v1/auth/logout', { headers: { origin: baseURL! } })
})

test('uploads a file on a customer, lists its versions and downloads the same bytes', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, ADMIN.username, ADMIN.password)
  await openFiles(page)
  await expect(page.locator('[data-test=attachment-row]')).toHaveCount(0)

  await page.locator('[data-test=attachments-input]').setInputFiles({ name: '报价单.pdf', mimeType: 'application/pdf', buffer: PDF })
  const rows = page.locator('[data-test=attachment-row]')
  await expect(rows).toHaveCount(1)
  await expect(rows.first().locator('[data-test=attachment-name]')).toHaveText('报价单.pdf')
  await expect(rows.first().locator('[data-test=attachment-version]')).toHaveText('v1')
  await expect(page.locator('#tab-files')).toContainText('(1)')

  const [download] = await Promise.all([page.waitForEvent('download'), rows.first().locator('[data-test=attachment-download]').click()])
  expect(download.suggestedFilename()).toBe('报价单.pdf')
  const stream = await download.createReadStream()
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  expect(Buffer.concat(chunks).equals(PDF)).toBe(true)

  // The same name again: version 2 on top, version 1 kept under it.
  const revised = Buffer.concat([PDF, Buffer.from('% revised\n')])
  await page.locator('[data-test=attachments-input]').setInputFiles({ name: '报价单.pdf', mimeType: 'application/pdf', buffer: revised })
  await expect(rows).toHaveCount(2)
  await expect(rows.first().locator('[data-test=attachment-version]')).toHaveText('v2')
  await expect(rows.nth(1).locator('[data-test=attachment-version]')).toHaveText('v1')

  // An image gets a thumbnail.
  await page.locator('[data-test=attachments-input]').setInputFiles({ name: '样品照片.png', mimeType: 'image/png', buffer: await pngBytes(page) })
  await expect(rows).toHaveCount(3)
  const thumb = page.locator('[data-test=attachment-row] img')
  await expect(thumb).toHaveCount(1)
  await expect.poll(() => thumb.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)

  // Dropped on the drop zone, a file uploads the same way.
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer()
    dt.items.add(new File(['name,qty\nmug,200\n'], 'order.csv', { type: 'text/csv' }))
    return dt
  })
  await page.locator('[data-test=attachments-drop]').dispatchEvent('drop', { dataTransfer: dropped })
  await expect(rows).toHaveCount(4)
  await expect(page.locator('[data-test=attachment-name]', { hasText: 'order.csv' })).toBeVisible()

  // A type that is not accepted: the server's message, in the user's language, and nothing listed.
  await page.locator('[data-test=attachments-input]').setInputFiles({ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1') })
  await expect(page.locator('[data-test=attachment-error]')).toContainText('不接受此类文件')
  await expect(rows).toHaveCount(4)
  expect(pageErrors).toEqual([])
})

test('a timeline note is saved with a file, shown under the entry', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto(`/crm/customers/${customerId}`)
  await input(page, 'activity-subject').fill('寄出样品和装箱单')
  await page.locator('[data-test=activity-attach-input]').setInputFiles({ name: 'packing-list.csv', mimeType: 'text/csv', buffer: Buffer.from('item,qty\n杯子,200\n') })
  await expect(page.locator('[data-test=activity-attached]')).toContainText('packing-list.csv')
  await page.locator('[data-test=activity-save]').click()
  const entry = page.locator('[data-test=timeline-entry]', { hasText: '寄出样品和装箱单' })
  await expect(entry.locator('[data-test=entry-attachment]')).toContainText('packing-list.csv')
})

test('screenshots of the files panel @screenshots', async ({ page, baseURL }) => {
  const out = `${process.cwd()}/../docs/screenshots/`
  mkdirSync(out, { recursive: true })
  await loginAs(page, ADMIN.username, ADMIN.password)
  for (const lang of ['zh-CN', 'en'] as const) {
    const res = await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: lang } })
    expect(res.ok(), await res.text()).toBe(true)
    for (const [name, width, height] of [['desktop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height })
      await openFiles(page)
      await expect(page.locator('[data-test=attachment-row]').first()).toBeVisible()
      await expect.poll(() => page.locator('[data-test=attachment-row] img').first().evaluate((i) => (i as HTMLImageElement).complete)).toBe(true)
      const short = lang === 'zh-CN' ? 'zh' : 'en'
      await page.screenshot({ path: `${out}files-${name}-${short}.png`, fullPage: name === 'phone' })
      if (name === 'desktop' && lang === 'zh-CN') {
        // The timeline entry with its file, under the composer.
        await page.locator('#tab-timeline').click()
        await expect(page.locator('[data-test=entry-attachment]').first()).toBeVisible()
        await page.screenshot({ path: `${out}files-timeline-desktop-zh.png` })
      }
    }
  }
  await page.request.patch('/api/v1/me', { headers: { origin: baseURL! }, data: { language: 'zh-CN' } })
})
