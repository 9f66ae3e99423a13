import { expect, test, type Page } from '@playwright/test'
import { ADMIN, confirmBox, ensureSetup, input, loginAs, logout } from './helpers'

// The product catalogue (SAL-1), in headless Chromium against the real server: the admin creates a
// product with prices in two currencies and a cost (the server's refusal of a net weight above the
// gross lands under the net weight), edits it, finds it in the list and in the global search, and
// deletes another one after confirming; a sales rep opens it and sees no cost and no supplier
// prices (the server never sends them to that role), and no edit or delete.

const PASSWORD = 'products-e2e-pass-1'
const REP = { username: 'prod.rep', display: '孙业务' }
const SKU = 'E2E-LED-100'
const OTHER = 'E2E-HG-2040'

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = { origin: baseURL! }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const sales = roles.find((r) => r.key === 'sales')!
  const res = await request.post('/api/v1/users', {
    headers,
    data: { username: REP.username, display_name: REP.display, password: PASSWORD, role_ids: [sales.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
  })
  expect(res.status(), await res.text()).toBe(201)
  // Another product, so the search has something to leave out.
  const other = await request.post('/api/v1/products', {
    headers,
    data: { sku: OTHER, name_zh: '不锈钢合页', name_en: 'Stainless steel hinge', prices: [{ amount: '0.0725', currency: 'USD' }] },
  })
  expect(other.status(), await other.text()).toBe(201)
  await request.post('/api/v1/auth/logout', { headers })
})

async function openProducts(page: Page) {
  await page.locator('[data-test="nav-sales.products"]').click()
  await expect(page).toHaveURL(/\/sales\/products$/)
  await expect(page.locator('[data-test=products-table]')).toBeVisible()
}

test('the admin creates a product with prices and a cost; the server’s field error lands under its field', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await loginAs(page, ADMIN.username, ADMIN.password)
  await openProducts(page)

  await page.locator('[data-test=product-create]').click()
  const dialog = page.locator('[data-test=product-dialog]')
  await expect(dialog).toBeVisible()
  await input(page, 'product-sku').fill(SKU)
  await input(page, 'product-name-zh').fill('LED 筒灯')
  await input(page, 'product-name-en').fill('LED downlight')
  await input(page, 'product-hs-code').fill('9405.11')
  await input(page, 'product-carton-0').fill('60')
  await input(page, 'product-carton-1').fill('40')
  await input(page, 'product-carton-2').fill('30')
  // The volume follows the carton size as it is typed.
  await expect(dialog.locator('[data-test=product-cbm-live]')).toContainText('0.072')
  await input(page, 'product-units-per-carton').fill('50')
  await input(page, 'product-gross-kg').fill('12.5')
  await input(page, 'product-net-kg').fill('13')
  await input(page, 'product-price-0-amount').fill('3.20')
  await page.locator('[data-test=product-price-add]').click()
  await input(page, 'product-price-1-amount').fill('2.95') // the new row offers EUR
  // The cost section is there for the admin, in the company's currency.
  await expect(dialog.locator('[data-test=product-cost-section]')).toBeVisible()
  await input(page, 'product-cost-amount').fill('14.80')

  await page.locator('[data-test=product-save]').click()
  const netItem = dialog.locator('.el-form-item', { has: page.locator('[data-test=product-net-kg]') })
  await expect(netItem).toHaveClass(/is-error/)
  await expect(netItem).toContainText('净重不能大于毛重')
  await input(page, 'product-net-kg').fill('11')
  await page.locator('[data-test=product-save]').click()

  await expect(page).toHaveURL(/\/sales\/products\/\d+$/)
  await expect(page.locator('[data-test=product-sku-title]')).toHaveText(SKU)
  await expect(page.locator('[data-test=product-title]')).toHaveText('LED 筒灯')
  await expect(page.locator('[data-test=product-cbm]')).toHaveText('0.072')
  await expect(page.locator('[data-test=product-price-USD]')).toContainText('3.20')
  await expect(page.locator('[data-test=product-price-EUR]')).toContainText('2.95')
  await expect(page.locator('[data-test=product-cost-amount]')).toContainText('CNY')
  await expect(page.locator('[data-test=product-cost-amount]')).toContainText('14.80')
  expect(pageErrors).toEqual([])
})

test('the admin edits the product and finds it by search', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await openProducts(page)

  // The list's search (kept in the address): only the product asked for.
  await input(page, 'products-search').fill('downlight')
  await expect(page).toHaveURL(/q=downlight/)
  await expect(page.locator(`[data-test=product-row-${SKU}]`)).toBeVisible()
  await expect(page.locator(`[data-test=product-row-${OTHER}]`)).toHaveCount(0)
  await page.reload()
  await expect(input(page, 'products-search')).toHaveValue('downlight')
  await expect(page.locator(`[data-test=product-row-${OTHER}]`)).toHaveCount(0)
  await page.locator(`[data-test=product-row-${SKU}]`).click()

  await page.locator('[data-test=product-edit]').click()
  const dialog = page.locator('[data-test=product-dialog]')
  await expect(dialog).toBeVisible()
  await expect(input(page, 'product-sku')).toHaveValue(SKU)
  await page.locator('textarea[data-test=product-specs], [data-test=product-specs] textarea').first().fill('12 W, 4000 K, IP44')
  await input(page, 'product-price-1-amount').fill('2.90')
  await page.locator('[data-test=product-save]').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('[data-test=product-specs]')).toHaveText('12 W, 4000 K, IP44')
  await expect(page.locator('[data-test=product-price-EUR]')).toContainText('2.90')
  // Saved on the server, the cost untouched.
  await page.reload()
  await expect(page.locator('[data-test=product-price-EUR]')).toContainText('2.90')
  await expect(page.locator('[data-test=product-cost-amount]')).toContainText('14.80')
  const productUrl = page.url()

  // The global search finds it by its SKU and opens it.
  await page.goto('/sales/products')
  await input(page, 'global-search').fill(SKU)
  const hit = page.locator('[data-test=search-hit]', { hasText: SKU })
  await expect(hit).toBeVisible({ timeout: 15_000 })
  await hit.click()
  await expect(page).toHaveURL(productUrl)
})

test('a sales rep opens the product and sees no cost, no supplier prices and no edit', async ({ page }) => {
  await loginAs(page, REP.username, PASSWORD)
  await openProducts(page)
  await expect(page.locator('[data-test=product-create]')).toHaveCount(0)
  await input(page, 'products-search').fill(SKU)
  await page.locator(`[data-test=product-row-${SKU}]`).click()
  await expect(page.locator('[data-test=product-title]')).toHaveText('LED 筒灯')
  await expect(page.locator('[data-test=product-price-USD]')).toContainText('3.20')
  await expect(page.locator('[data-test=product-cbm]')).toHaveText('0.072')
  await expect(page.locator('[data-test=product-cost]')).toHaveCount(0)
  await expect(page.locator('[data-test=product-suppliers]')).toHaveCount(0)
  await expect(page.locator('[data-test=product-edit]')).toHaveCount(0)
  await expect(page.locator('[data-test=product-delete]')).toHaveCount(0)
  await expect(page.locator('body')).not.toContainText('14.80')
  await logout(page)
})

test('the admin deletes a product after confirming; it goes to the recycle bin', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await openProducts(page)
  await page.locator(`[data-test=product-row-${OTHER}]`).click()
  await expect(page.locator('[data-test=product-sku-title]')).toHaveText(OTHER)
  // Cancelling keeps it.
  await page.locator('[data-test=product-delete]').click()
  await expect(page.locator('.el-message-box')).toContainText(OTHER)
  await page.locator('.el-message-box__btns .el-button', { hasText: '取消' }).click()
  await expect(page.locator('[data-test=product-sku-title]')).toHaveText(OTHER)
  await page.locator('[data-test=product-delete]').click()
  await confirmBox(page)
  await expect(page).toHaveURL(/\/sales\/products$/)
  await expect(page.locator(`[data-test=product-row-${SKU}]`)).toBeVisible()
  await expect(page.locator(`[data-test=product-row-${OTHER}]`)).toHaveCount(0)
  await page.locator('[data-test="nav-admin.recycle_bin"]').click()
  await expect(page.locator('body')).toContainText(OTHER)
})
