import { expect, type APIRequestContext, type Page } from '@playwright/test'

// Shared by the e2e files. They run against one server, foundation first (it sets the company up
// through the UI); a file run on its own sets it up through the API instead.

export const ADMIN = { username: 'admin', password: 'e2e-admin-pass-1', display: '周敏' }

/** An Element Plus input: the data-test attribute lands on the <input> itself or on its wrapper. */
export const input = (page: Page, name: string) => page.locator(`input[data-test="${name}"], [data-test="${name}"] input`).first()

/** Confirm an Element Plus message box. */
export async function confirmBox(page: Page) {
  await page.locator('.el-message-box__btns .el-button--primary').click()
}

export async function logout(page: Page) {
  await page.locator('[data-test=user-menu-button]').click()
  await page.locator('[data-test=menu-logout]').click()
  await expect(page).toHaveURL(/\/login/)
}

/** Logs in through the login page; users with "My day" land there. */
export async function loginAs(page: Page, username: string, password: string) {
  await page.goto('/login')
  await input(page, 'login-username').fill(username)
  await input(page, 'login-password').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await expect(page).not.toHaveURL(/\/login/)
}

/** Sets the company up through the API when no test has done it yet. */
export async function ensureSetup(request: APIRequestContext, baseURL: string) {
  const info = await (await request.get('/api/v1/public/info')).json()
  if (!info.setup_required) return
  const res = await request.post('/api/v1/setup', {
    headers: { origin: baseURL },
    data: {
      company: { name: '深圳市华信贸易有限公司', base_currency: 'CNY', time_zone: 'Asia/Shanghai', language: 'zh-CN' },
      admin: { username: ADMIN.username, display_name: ADMIN.display, password: ADMIN.password, email: 'zhou.min@huaxin.example' },
    },
  })
  expect(res.ok()).toBe(true)
}
