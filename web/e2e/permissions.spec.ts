import { expect, test, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, loginAs, logout } from './helpers'

// What the screens offer follows the role (issue 11): a sales rep sees no Import menu, no delete
// and no lock / key-account boxes on their own customer (the server would refuse them); a
// manager sees all three. The server's refusals are covered by the access matrix.

const PASSWORD = 'perm-e2e-pass-1'
const REP = { username: 'perm.rep', display: '陈业务' }
const MANAGER = { username: 'perm.mgr', display: '赵经理' }
const CUSTOMER = 'Fjordline Marine AS'
let customerId = 0

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = { origin: baseURL! }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const ids: Record<string, number> = {}
  for (const [u, key] of [
    [REP, 'sales'],
    [MANAGER, 'manager'],
  ] as const) {
    const role = roles.find((r) => r.key === key)!
    const res = await request.post('/api/v1/users', {
      headers,
      data: { username: u.username, display_name: u.display, password: PASSWORD, role_ids: [role.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
    })
    expect(res.status(), await res.text()).toBe(201)
    ids[u.username] = (await res.json()).id
  }
  const res = await request.post('/api/v1/customers', { headers, data: { name: CUSTOMER, country: 'NO', owner_id: ids[REP.username] } })
  expect(res.status(), await res.text()).toBe(201)
  customerId = (await res.json()).id
  await request.post('/api/v1/auth/logout', { headers })
})

async function openCustomer(page: Page) {
  await page.goto(`/crm/customers/${customerId}`)
  await expect(page.locator('[data-test=customer-title]')).toHaveText(CUSTOMER)
}

test('a sales rep sees no Import menu and no delete or lock controls on their customer', async ({ page }) => {
  await loginAs(page, REP.username, PASSWORD)
  await expect(page.locator('[data-test="nav-crm.customers"]')).toBeVisible()
  await expect(page.locator('[data-test="nav-crm.import"]')).toHaveCount(0)
  // Typing the address leads to the "not allowed" page, not to a screen that fails later.
  await page.goto('/crm/import')
  await expect(page).toHaveURL(/\/forbidden/)

  await openCustomer(page)
  await page.locator('[data-test=customer-more]').click()
  await expect(page.locator('.el-dropdown-menu:visible')).toBeVisible()
  await expect(page.locator('[data-test=customer-delete]')).toHaveCount(0)
  await page.keyboard.press('Escape')
  // The rep edits the customer, without the lock and key-account boxes.
  await page.locator('[data-test=customer-edit]').click()
  const dialog = page.locator('[data-test=customer-edit-dialog]')
  await expect(dialog).toBeVisible()
  await expect(dialog.locator('[data-test=customer-lock]')).toHaveCount(0)
  await expect(dialog.locator('[data-test=customer-key-account]')).toHaveCount(0)
  await page.keyboard.press('Escape')
  await logout(page)
})

test('a manager sees Import, delete and the lock controls', async ({ page }) => {
  await loginAs(page, MANAGER.username, PASSWORD)
  await expect(page.locator('[data-test="nav-crm.import"]')).toBeVisible()
  await openCustomer(page)
  await page.locator('[data-test=customer-more]').click()
  await expect(page.locator('[data-test=customer-delete]')).toBeVisible()
  await page.keyboard.press('Escape')
  await page.locator('[data-test=customer-edit]').click()
  const dialog = page.locator('[data-test=customer-edit-dialog]')
  await expect(dialog.locator('[data-test=customer-lock]')).toBeVisible()
  await expect(dialog.locator('[data-test=customer-key-account]')).toBeVisible()
  // Locking it shows the lock on the customer.
  await dialog.locator('[data-test=customer-lock]').click()
  await dialog.locator('.el-dialog__footer .el-button--primary').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('.customer-detail .title-line .lock')).toBeVisible()
  await logout(page)
})
