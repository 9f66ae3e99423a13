import { expect, test, type Page } from '@playwright/test'
import { ADMIN, confirmBox, input, logout } from './helpers'

// The foundation walk-through on a fresh data directory:
// setup → log out → log in → create a user with a role → English and back → log out.
// The administrator has "My day" (CRM), so that is where they land after logging in.

// The tests share one server and run in order: the first sets the company up.
test.describe.configure({ mode: 'serial' })

async function login(page: Page) {
  await page.goto('/login')
  await input(page, 'login-username').fill(ADMIN.username)
  await input(page, 'login-password').fill(ADMIN.password)
  await page.locator('[data-test=login-submit]').click()
  await expect(page.locator('[data-test=my-day-greeting]')).toBeVisible()
}

test('setup, log in, create a user with a role, switch language, log out', async ({ page }) => {
  const consoleErrors: string[] = []
  page.on('pageerror', (e) => consoleErrors.push(e.message))

  // A fresh server sends everyone to setup.
  await page.goto('/')
  await expect(page).toHaveURL(/\/setup$/)
  await input(page, 'setup-company-name').fill('深圳市华信贸易有限公司')
  await input(page, 'setup-username').fill(ADMIN.username)
  await input(page, 'setup-display-name').fill(ADMIN.display)
  await input(page, 'setup-email').fill('zhou.min@huaxin.example')
  await input(page, 'setup-password').fill(ADMIN.password)
  await input(page, 'setup-password-confirm').fill(ADMIN.password)
  await page.locator('[data-test=setup-submit]').click()

  // Setup logs the admin in and lands on My day.
  await expect(page).toHaveURL(/\/crm\/my-day$/)
  await expect(page.locator('[data-test=my-day-greeting]')).toContainText(ADMIN.display)
  await expect(page.locator('[data-test=company-name]')).toHaveText('深圳市华信贸易有限公司')
  await expect(page.locator('[data-test="nav-admin.users"]')).toBeVisible()

  await logout(page)

  // A wrong password shows the server's message and stays on the login page.
  await input(page, 'login-username').fill(ADMIN.username)
  await input(page, 'login-password').fill('not-the-password')
  await page.locator('[data-test=login-submit]').click()
  await expect(page.locator('[data-test=login-error]')).toBeVisible()
  await expect(page).toHaveURL(/\/login/)

  await input(page, 'login-password').fill(ADMIN.password)
  await page.locator('[data-test=login-submit]').click()
  await expect(page.locator('[data-test=my-day-greeting]')).toContainText(ADMIN.display)

  // Home is one click away and greets the same way.
  await page.locator('[data-test=nav-home]').click()
  await expect(page.locator('[data-test=home-greeting]')).toContainText(ADMIN.display)

  // Create a user with a role.
  await page.locator('[data-test="nav-admin.users"]').click()
  await expect(page).toHaveURL(/\/admin\/users/)
  await page.locator('[data-test=user-create]').click()
  const dialog = page.locator('.el-dialog[data-test=user-dialog], [data-test=user-dialog] .el-dialog').first()
  await expect(dialog).toBeVisible()
  await input(page, 'user-username').fill('li.na')
  await input(page, 'user-display-name').fill('李娜')
  await input(page, 'user-password').fill('li-na-password-1')
  await input(page, 'user-email').fill('li.na@huaxin.example')
  await page.locator('[data-test=user-roles]').click()
  const option = page.locator('[data-test^=role-option-]:visible').first()
  const roleName = (await option.innerText()).trim()
  await option.click()
  await page.keyboard.press('Escape') // close the multi-select's dropdown, not the dialog
  await page.locator('[data-test=user-save]').click()
  await expect(dialog).toBeHidden()

  const row = page.locator('.el-table__row', { has: page.locator('[data-test="user-edit-li.na"]') })
  await expect(row).toBeVisible()
  await expect(row).toContainText('李娜')
  await expect(row.locator('.el-tag', { hasText: roleName })).toBeVisible()

  // The new user's role is on the server too.
  const users = await (await page.request.get('/api/v1/users?q=li.na')).json()
  const created = users.items.find((u: { username: string }) => u.username === 'li.na')
  expect(created.roles.map((r: { name: string }) => r.name)).toContain(roleName)

  // A server-side field error shows under its field: the username is taken now.
  await page.locator('[data-test=user-create]').click()
  await expect(dialog).toBeVisible()
  await input(page, 'user-username').fill('li.na')
  await input(page, 'user-display-name').fill('另一个李娜')
  await input(page, 'user-password').fill('li-na-password-2')
  await page.locator('[data-test=user-save]').click()
  const usernameItem = dialog.locator('.el-form-item', { has: page.locator('input[data-test=user-username]') })
  await expect(usernameItem).toHaveClass(/is-error/)
  await expect(usernameItem.locator('.el-form-item__error')).not.toBeEmpty()
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()

  // Switch to English: the UI changes and the choice is saved on the user.
  await expect(page.locator('h1')).toHaveText('用户')
  await page.locator('[data-test=lang-switch-button]').click()
  await page.locator('[data-test=lang-en]').click()
  await expect(page.locator('h1')).toHaveText('Users')
  await expect(page.locator('[data-test=user-create]')).toHaveText(/New user/)
  await expect.poll(async () => (await (await page.request.get('/api/v1/me')).json()).language).toBe('en')

  // It is remembered across a reload.
  await page.reload()
  await expect(page.locator('h1')).toHaveText('Users')

  // And back to Chinese.
  await page.locator('[data-test=lang-switch-button]').click()
  await page.locator('[data-test=lang-zh-CN]').click()
  await expect(page.locator('h1')).toHaveText('用户')
  await expect.poll(async () => (await (await page.request.get('/api/v1/me')).json()).language).toBe('zh-CN')

  await logout(page)
  // Logged out: the app sends us back to login.
  await page.goto('/admin/users')
  await expect(page).toHaveURL(/\/login/)

  expect(consoleErrors).toEqual([])
})

test('admin screens: teams and the recycle bin, a custom role, company settings, audit log', async ({ page }) => {
  await login(page)

  // A team with a leader; deleting it puts it in the recycle bin, restoring brings it back.
  await page.goto('/admin/teams')
  await page.locator('[data-test=team-create]').click()
  await input(page, 'team-name').fill('华南业务组')
  await page.locator('[data-test=team-dialog] [data-test=user-picker], .el-dialog [data-test=user-picker]').first().click()
  await page.keyboard.type('li.na')
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'li.na' }).first().click()
  await page.locator('[data-test=team-save]').click()
  const teamRow = page.locator('.el-table__row', { hasText: '华南业务组' })
  await expect(teamRow).toContainText('李娜')
  await teamRow.locator('[data-test^=team-delete-]').click()
  await confirmBox(page)
  await expect(teamRow).toHaveCount(0)

  await page.locator('[data-test="nav-admin.recycle_bin"]').click()
  const binRow = page.locator('.el-table__row', { hasText: '华南业务组' })
  await expect(binRow).toBeVisible()
  await binRow.locator('[data-test^=bin-restore-]').click()
  await expect(binRow).toHaveCount(0)
  await page.locator('[data-test="nav-admin.teams"]').click()
  await expect(page.locator('.el-table__row', { hasText: '华南业务组' })).toBeVisible()

  // A custom role based on a preset: change one cell of the matrix, save, and it stays after a reload.
  await page.goto('/admin/roles')
  await page.locator('[data-test=role-create]').click()
  await input(page, 'role-name').fill('欧洲业务员')
  await page.locator('[data-test=role-based-on]').click()
  await page.locator('.el-select-dropdown__item:visible').first().click()
  await page.locator('[data-test=role-save]').click()
  await expect(page).toHaveURL(/\/admin\/roles\/\d+$/)
  await expect(page.locator('h1')).toContainText('欧洲业务员')
  const cell = page.locator('[data-test^=scope-]').first()
  await cell.click()
  const newScope = page.locator('.el-select-dropdown__item:visible').nth(1) // "own"
  const scopeName = (await newScope.innerText()).trim()
  await newScope.click()
  await page.locator('[data-test=role-editor-save]').click()
  await expect(page.locator('[data-test=role-editor-save]')).toBeDisabled() // saved: nothing left to save
  await page.reload()
  await expect(page.locator('[data-test^=scope-]').first()).toContainText(scopeName)

  // Company settings: the new name shows in the top bar.
  await page.locator('[data-test="nav-admin.company"]').click()
  // Wait for the settings to load: typing into the box while they arrive would mix the two names.
  await expect(input(page, 'company-name-input')).toHaveValue('深圳市华信贸易有限公司')
  await input(page, 'company-name-input').fill('深圳市华信国际贸易有限公司')
  await page.locator('[data-test=company-save]').click()
  await expect(page.locator('[data-test=company-name]')).toHaveText('深圳市华信国际贸易有限公司')

  // The audit log lists what happened, newest first; a row opens to show its changes.
  await page.locator('[data-test="nav-admin.audit"]').click()
  const rows = page.locator('[data-test=audit-table] .el-table__row')
  await expect(rows.first()).toBeVisible()
  expect(await rows.count()).toBeGreaterThan(5)
  await rows.first().locator('.el-table__expand-icon').click()
  await expect(page.locator('.changes-table').first()).toContainText('深圳市华信国际贸易有限公司')
})
