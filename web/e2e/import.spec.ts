import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, input, loginAs } from './helpers'

// Import and duplicate check (CRM-7, CRM-8) from the screens, against the real server: the admin
// imports a GBK-encoded CSV with Chinese headers (the dry run lists the bad rows with their row and
// column, then the commit runs with a progress bar to its report) and an XLSX; the customers show in
// the list; the XLSX import is reverted; typing an existing name in the new-customer form shows the
// duplicate warning and (the default rule for names is "block") saving is disabled.
// Fixtures: e2e/fixtures/make-fixtures.py wrote them.

const here = path.dirname(fileURLToPath(import.meta.url))
const GBK_CSV = path.join(here, 'fixtures', 'customers-gbk.csv')
const XLSX = path.join(here, 'fixtures', 'customers.xlsx')

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
})

async function upload(page: Page, file: string) {
  await page.goto('/crm/import')
  await expect(page.locator('[data-test=import-drop]')).toBeVisible()
  await page.locator('[data-test=import-file]').setInputFiles(file)
  await expect(page.locator('[data-test=import-file-info]')).toContainText(path.basename(file))
}

async function commitAndWait(page: Page, created: number) {
  await page.locator('[data-test=import-commit]').click()
  await expect(page.locator('[data-test=import-status]')).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(page.locator('[data-test=report-created]')).toContainText(String(created))
}

test('a file of the wrong type is refused before upload, with a clear message', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/import')
  await page.locator('[data-test=import-file]').setInputFiles({ name: 'price-list.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') })
  await expect(page.locator('[data-test=import-file-error]')).toContainText('.xlsx')
})

test('the admin imports a GBK CSV with Chinese headers: dry run with row errors, commit, report', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await upload(page, GBK_CSV)
  // Encoding detected, Chinese headers recognised.
  await expect(page.locator('[data-test=import-file-info]')).toContainText('gb18030')
  await expect(page.locator('[data-test=import-preview] thead')).toContainText('公司名称')
  await expect(page.locator('[data-test=import-map-0]')).toContainText('公司名称')
  await expect(page.locator('[data-test=import-map-2]')).toContainText('邮箱')
  await expect(page.locator('[data-test=import-preview] tbody')).toContainText('汉堡精密机械有限公司')

  // Save the mapping under a name for next time.
  await input(page, 'import-mapping-name').fill('展会名单')
  await page.locator('[data-test=import-mapping-save]').click()
  await expect(page.locator('.el-message--success')).toBeVisible()

  await page.locator('[data-test=import-dry-run]').click()
  const result = page.locator('[data-test=import-dry-result]')
  await expect(result).toBeVisible()
  await expect(page.locator('[data-test=dry-create]')).toContainText('2')
  await expect(page.locator('[data-test=dry-errors]')).toContainText('3')
  const issues = page.locator('[data-test=import-issues] .el-table__body tr')
  await expect(issues).toHaveCount(3)
  // row 4: no company name (column A); row 5: repeats row 2; row 6: the e-mail is not one (column C)
  await expect(issues.nth(0)).toContainText('4')
  await expect(issues.nth(0)).toContainText('A')
  await expect(issues.nth(0)).toContainText('公司名称')
  await expect(issues.nth(1)).toContainText('5')
  await expect(issues.nth(2)).toContainText('6')
  await expect(issues.nth(2)).toContainText('C')
  await expect(issues.nth(2)).toContainText('这不是邮箱')
  await expect(page.locator('[data-test=import-duplicates]')).toContainText('2')

  await commitAndWait(page, 2)
  await expect(page.locator('[data-test=import-report]')).toContainText('公司名称')
})

test('the admin imports an XLSX file', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await upload(page, XLSX)
  await expect(page.locator('[data-test=import-map-0]')).toContainText('公司名称')
  await page.locator('[data-test=import-dry-run]').click()
  await expect(page.locator('[data-test=dry-create]')).toContainText('2')
  await expect(page.locator('[data-test=dry-errors]')).toContainText('0')
  await commitAndWait(page, 2)
})

test('the imported customers are in the list', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/customers')
  for (const name of ['汉堡精密机械有限公司', '米兰时尚贸易公司', 'Nordic Timber Trading AB', 'Atlas Marine Supplies Ltd']) {
    await input(page, 'customers-search').fill(name)
    await expect(page.locator('.page.customers')).toContainText(name)
  }
  // Export keeps the list's filter: only the searched customer is in the file.
  await input(page, 'customers-search').fill('Nordic Timber')
  await expect(page.locator('[data-test=customers-total]')).toContainText('1')
  for (const [item, check] of [
    ['export-csv-utf8', (b: Buffer) => b.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) && b.toString('utf8').includes('Nordic Timber Trading AB')],
    ['export-xlsx', (b: Buffer) => b.subarray(0, 2).toString() === 'PK'],
  ] as const) {
    await page.locator('[data-test=export-button]').click()
    const downloading = page.waitForEvent('download')
    await page.locator(`.el-dropdown-menu__item[data-test=${item}]`).click()
    const download = await downloading
    const chunks: Buffer[] = []
    for await (const c of await download.createReadStream()) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    expect(check(body)).toBe(true)
    if (item === 'export-csv-utf8') expect(body.toString('utf8')).not.toContain('米兰时尚贸易公司')
  }
})

test('typing an existing name in the new-customer form shows the duplicate warning and blocks saving', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/customers')
  await page.locator('[data-test=customer-create]').click()
  await input(page, 'customer-name').fill('汉堡精密机械有限公司')
  const warning = page.locator('[data-test=duplicate-warning]')
  await expect(warning).toBeVisible()
  await expect(warning).toContainText('汉堡精密机械有限公司')
  await expect(warning).toContainText('100%')
  await expect(warning).toHaveAttribute('data-verdict', 'block')
  await expect(page.locator('[data-test=customer-save]')).toBeDisabled()
  // A name no one has: the warning goes away and saving is possible again.
  await input(page, 'customer-name').fill('Zhejiang Brandnew Valve Works')
  await expect(warning).toHaveCount(0)
  await expect(page.locator('[data-test=customer-save]')).toBeEnabled()
})

test('the XLSX import is reverted from the recent imports', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/import')
  const row = page.locator('[data-test=import-recent] .el-table__body tr', { hasText: 'customers.xlsx' }).first()
  await row.getByRole('button').click()
  await page.locator('.el-popconfirm .el-button--primary').click()
  await expect(page.locator('[data-test=import-recent] .el-table__body tr', { hasText: 'customers.xlsx' }).first()).toContainText('已撤销', { timeout: 15_000 })
  await page.goto('/crm/customers')
  await input(page, 'customers-search').fill('Nordic Timber')
  await expect(page.locator('[data-test=customers-total]')).toContainText('0')
})

test('the admin relaxes the name rule, finds two records of one firm, merges them and undoes the merge', async ({ page, baseURL }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/duplicates')
  await expect(page.locator('[data-test=duplicate-rules]')).toBeVisible()
  await page.locator('[data-test=rule-name-warn]').click()
  await page.locator('[data-test=rules-save]').click()
  await expect(page.locator('.el-message--success')).toBeVisible()

  // A second record of the Milan firm, typed by someone else with another legal form.
  const res = await page.request.post('/api/v1/customers', {
    headers: { origin: baseURL! },
    data: { name: '米兰时尚贸易有限公司', country: 'IT', email: 'buy@milano-moda.it', phone: '+39 02 7654321' },
  })
  expect(res.ok()).toBe(true)

  await page.locator('[data-test=dedup-scan]').click()
  const group = page.locator('[data-test^=dedup-group-]', { hasText: '米兰时尚贸易有限公司' })
  await expect(group).toContainText('米兰时尚贸易公司')
  await group.locator('[data-test^=dedup-merge-]').click()
  const dialog = page.locator('[data-test=merge-dialog]')
  await expect(dialog.locator('[data-test=merge-field-email]')).toBeVisible()
  // Keep the imported record; take the other record's e-mail.
  const other = (await res.json()).id as number
  await dialog.locator(`[data-test=merge-field-email-${other}]`).click()
  await dialog.locator('[data-test=merge-confirm]').click()
  await expect(page.locator('[data-test=merge-done]')).toBeVisible()
  await expect(page.locator('[data-test^=dedup-group-]', { hasText: '米兰时尚贸易有限公司' })).toHaveCount(0)

  await page.locator('[data-test=merge-undo]').click()
  await expect(page.locator('[data-test=merge-done]')).toHaveCount(0)
  await expect(page.locator('[data-test^=dedup-group-]', { hasText: '米兰时尚贸易有限公司' })).toBeVisible()

  // Names block again, as before.
  await page.locator('[data-test=rule-name-block]').click()
  await page.locator('[data-test=rules-save]').click()
  await expect(page.locator('.el-message--success').last()).toBeVisible()
})
