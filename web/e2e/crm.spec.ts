import { expect, test, type Page } from '@playwright/test'
import { ADMIN, confirmBox, ensureSetup, input, loginAs, logout } from './helpers'

// The CRM walk-through (CRM-1 … CRM-6), in headless Chromium against the real server:
// rep 1 creates a customer with two contacts (a server field error lands under the second
// contact's e-mail), logs a follow-up with a reminder date, sees it on "My day", ticks a task done
// and releases the customer to the public pool (and the cooldown refuses taking it straight back);
// rep 2 claims it from the pool; the admin is told who owns it when entering it again, hands rep 2's
// customers over to rep 1 (preview counts, confirm, undo), and drags a deal across the kanban board.

const PASSWORD = 'crm-e2e-pass-1'
const REP1 = { username: 'wang.fang', display: '王芳' }
const REP2 = { username: 'liu.yang', display: '刘洋' }
const CUSTOMER = 'Müller Haustechnik GmbH'
const FOLLOW_UP = '客户询问 CE 证书，约定下周回复'

test.describe.configure({ mode: 'serial' })

/** Opens an Element Plus select by its data-test and picks the visible option containing `text`. */
async function pick(page: Page, select: string, text: string, typed?: string) {
  await page.locator(select).first().click()
  if (typed) await page.keyboard.type(typed)
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
  await expect(page.locator('.el-select__popper:visible')).toHaveCount(0)
}

/** A user picker: type the username, pick "Name (username)". */
async function pickUser(page: Page, scope: string, username: string) {
  await page.locator(`${scope} [data-test=user-picker]`).click()
  await page.keyboard.type(username)
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: `(${username})` }).first()
  await expect(option).toBeVisible()
  await option.click()
  await expect(page.locator(`${scope} [data-test=user-picker]`)).toContainText(username)
  // Let the dropdown close before the next picker opens (its options would match too).
  await expect(page.locator('.el-select__popper:visible')).toHaveCount(0)
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  // Two sales reps, made by the admin through the API.
  const login = await request.post('/api/v1/auth/login', { headers: { origin: baseURL! }, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const sales = roles.find((r) => r.key === 'sales')
  expect(sales).toBeTruthy()
  for (const u of [REP1, REP2]) {
    const res = await request.post('/api/v1/users', {
      headers: { origin: baseURL! },
      data: { username: u.username, display_name: u.display, password: PASSWORD, role_ids: [sales!.id], team_ids: [], language: 'zh-CN', time_zone: 'Asia/Shanghai' },
    })
    expect(res.status(), await res.text()).toBe(201)
  }
  await request.post('/api/v1/auth/logout', { headers: { origin: baseURL! } })
})

test('rep 1 creates a customer with two contacts, logs a follow-up, sees it on My day, releases it', async ({ page }) => {
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))

  await loginAs(page, REP1.username, PASSWORD)
  // Sales reps land on My day.
  await expect(page).toHaveURL(/\/crm\/my-day$/)
  await expect(page.locator('[data-test=my-day-greeting]')).toContainText(REP1.display)

  // A new customer with two contacts.
  await page.locator('[data-test="nav-crm.customers"]').click()
  await expect(page.locator('[data-test=customers-total]')).toContainText('0')
  await page.locator('[data-test=customer-create]').click()
  const dialog = page.locator('.el-dialog[data-test=customer-dialog], [data-test=customer-dialog] .el-dialog').first()
  await expect(dialog).toBeVisible()
  await input(page, 'customer-name').fill(CUSTOMER)
  await pick(page, '[data-test=customer-dialog] [data-test=country-select]', '(DE)', 'DE')
  await input(page, 'customer-website').fill('www.mueller-haustechnik.example')
  await pick(page, '[data-test=customer-tier]', 'A')

  await input(page, 'new-contact-0-name').fill('Klaus Müller')
  await pick(page, '[data-test=new-contact-0-role]', '采购')
  await input(page, 'new-contact-0-email-0').fill('klaus@mueller-haustechnik.example')
  await input(page, 'new-contact-0-whatsapp').fill('+49 151 2345678')

  await page.locator('[data-test=customer-add-contact]').click()
  await input(page, 'new-contact-1-name').fill('Petra Müller')
  await pick(page, '[data-test=new-contact-1-role]', '老板')
  await input(page, 'new-contact-1-phone-0').fill('+49 30 1234567')
  // A malformed e-mail on the second contact: the server's error shows under that very box.
  await input(page, 'new-contact-1-email-0').fill('petra(at)mueller')
  await page.locator('[data-test=customer-save]').click()
  const emailItem = dialog.locator('.el-form-item', { has: page.locator('input[data-test="new-contact-1-email-0"]') })
  await expect(emailItem).toHaveClass(/is-error/)
  await expect(emailItem.locator('.el-form-item__error')).toContainText('petra(at)mueller')
  // The first contact's e-mail box has no error.
  await expect(dialog.locator('.el-form-item', { has: page.locator('input[data-test="new-contact-0-email-0"]') })).not.toHaveClass(/is-error/)

  await input(page, 'new-contact-1-email-0').fill('petra@mueller-haustechnik.example')
  await page.locator('[data-test=customer-save]').click()
  await expect(dialog).toBeHidden()

  // The customer's page: archive, the buyer's clock, the decision chain.
  await expect(page).toHaveURL(/\/crm\/customers\/\d+$/)
  const customerUrl = page.url()
  await expect(page.locator('[data-test=customer-title]')).toHaveText(CUSTOMER)
  await expect(page.locator('[data-test=buyer-clock]')).toContainText('Europe/Berlin')
  await expect(page.locator('[data-test=contact-card]')).toHaveCount(2)
  await expect(page.locator('[data-test=contact-name]')).toHaveText(['Klaus Müller', 'Petra Müller'])
  await expect(page.locator('[data-test=customer-owner]')).toContainText(REP1.display)

  // Log a call with a reminder for tomorrow.
  await page.locator('[data-test=activity-kind-call]').click()
  await input(page, 'activity-subject').fill(FOLLOW_UP)
  await page.locator('[data-test=activity-body] textarea, textarea[data-test=activity-body]').first().fill('Klaus 需要 EN 60335 的 CE 证书复印件。')
  await pick(page, '[data-test=activity-contact]', 'Klaus Müller')
  await page.locator('[data-test=follow-up-in-1]').click()
  await page.locator('[data-test=activity-save]').click()
  const entry = page.locator('[data-test=timeline-entry]', { hasText: FOLLOW_UP })
  await expect(entry).toBeVisible()
  await expect(entry.locator('[data-test=timeline-follow-up]')).toBeVisible()
  await expect(entry).toContainText('Klaus Müller')
  await expect(entry).toContainText(REP1.display)

  // The reminder is on My day (next 14 days), with a link to the customer; the "new customer"
  // cadence rule put a task there too.
  await page.locator('[data-test="nav-crm.my_day"]').click()
  const upcoming = page.locator('[data-test=my-day-upcoming]')
  const task = upcoming.locator('[data-test=my-day-task]', { hasText: FOLLOW_UP })
  await expect(task).toBeVisible()
  await expect(task.locator('[data-test=task-customer]')).toHaveText(CUSTOMER)
  await expect(page.locator('[data-test=my-day-count-upcoming]')).toContainText('2')

  // Tick the cadence task done: it is struck through and the counter drops.
  const intro = upcoming.locator('[data-test=my-day-task]', { hasNotText: FOLLOW_UP }).first()
  await intro.locator('.el-checkbox').click()
  await expect(intro).toHaveClass(/done/)
  await expect(page.locator('[data-test=my-day-count-upcoming]')).toContainText('1')

  // From the task to the customer, then release it to the public pool with a note.
  await task.locator('[data-test=task-customer]').click()
  await expect(page).toHaveURL(customerUrl)
  await page.locator('[data-test=customer-release]').click()
  await page.locator('.el-message-box textarea').fill('客户暂无采购计划，放回公海')
  await confirmBox(page)
  await expect(page.locator('[data-test=customer-in-pool]')).toBeVisible()
  await expect(page.locator('[data-test=timeline-entry]').first()).toContainText('客户暂无采购计划')

  // It is no longer in rep 1's list.
  await page.locator('[data-test="nav-crm.customers"]').click()
  await expect(page.locator('[data-test=customers-total]')).toContainText('0')

  // Rep 1 may not take it straight back: the pool's cooldown says so, where it cannot be missed.
  await page.locator('[data-test="nav-crm.pool"]').click()
  const poolRow = page.locator('.el-table__row', { hasText: CUSTOMER })
  await poolRow.locator('[data-test^=pool-claim-]').click()
  const refused = page.locator('.el-message-box.claim-refused')
  await expect(refused).toBeVisible()
  await expect(refused).toContainText('7')
  await confirmBox(page)
  await expect(poolRow).toBeVisible()

  await logout(page)
  expect(pageErrors).toEqual([])
})

test('rep 2 claims the customer from the public pool', async ({ page }) => {
  await loginAs(page, REP2.username, PASSWORD)
  await page.locator('[data-test="nav-crm.pool"]').click()
  await expect(page.locator('[data-test=pool-rules]')).toBeVisible()
  await input(page, 'pool-search').fill('Müller')
  const row = page.locator('.el-table__row', { hasText: CUSTOMER })
  await expect(row).toBeVisible()
  await row.locator('[data-test^=pool-claim-]').click()
  await expect(page.locator('.el-message--success')).toBeVisible()
  await expect(row).toHaveCount(0)

  // Now rep 2's customer, with rep 1's whole history. (The menu click is retried until the list
  // opens: right after the claim it was seen to be swallowed once.)
  await expect(async () => {
    await page.locator('[data-test="nav-crm.customers"]').click()
    await expect(page).toHaveURL(/\/crm\/customers(\?.*)?$/, { timeout: 2000 })
  }).toPass({ timeout: 20_000 })
  const mine = page.locator('.el-table__row', { hasText: CUSTOMER })
  await expect(mine).toBeVisible()
  await mine.locator('a', { hasText: CUSTOMER }).click()
  await expect(page.locator('[data-test=customer-owner]')).toContainText(REP2.display)
  await expect(page.locator('[data-test=timeline-entry]', { hasText: FOLLOW_UP })).toBeVisible()
  await expect(page.locator('[data-test=contact-card]')).toHaveCount(2)
  await logout(page)
})

test('the admin hands rep 2 over to rep 1: preview, confirm, undo', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)

  // Entering the same company again: the duplicate check, as the admin types, names the owner
  // and blocks saving (the server refuses it too; the HTTP tests cover that answer).
  await page.locator('[data-test="nav-crm.customers"]').click()
  await page.locator('[data-test=customer-create]').click()
  await input(page, 'customer-name').fill(CUSTOMER)
  const warning = page.locator('[data-test=duplicate-warning]')
  await expect(warning).toBeVisible()
  await expect(warning).toContainText(REP2.display)
  await expect(page.locator('[data-test=customer-save]')).toBeDisabled()
  await page.keyboard.press('Escape')
  await page.locator('[data-test="nav-crm.handover"]').click()
  await expect(page).toHaveURL(/\/crm\/handover$/)
  await pickUser(page, '[data-test=handover-from]', REP2.username)
  await pickUser(page, '[data-test=handover-to]', REP1.username)
  await page.locator('[data-test=handover-preview]').click()

  // The preview: one customer (and the open follow-up task that came with it), nothing moved yet.
  const preview = page.locator('[data-test=handover-preview-box]')
  await expect(preview).toBeVisible()
  await expect(preview).toContainText(`${REP2.display} → ${REP1.display}`)
  await expect(page.locator('[data-test=handover-count-customer] [data-test=handover-count-n]')).toHaveText('1')
  await expect(page.locator('[data-test=handover-count-lead] [data-test=handover-count-n]')).toHaveText('0')

  await page.locator('[data-test=handover-confirm]').click()
  await confirmBox(page)
  const result = page.locator('[data-test=handover-result]')
  await expect(result).toBeVisible()
  await expect(result.locator('[data-test=handover-result-customer]')).toContainText('1')
  await expect(page.locator('[data-test=handover-undo]')).toBeVisible()

  // Rep 1 owns the customer again.
  const list = await (await page.request.get(`/api/v1/customers?scope=all&q=${encodeURIComponent('Müller')}`)).json()
  expect(list.items.map((c: { owner: { name: string } | null }) => c.owner?.name)).toEqual([REP1.display])

  // Undo puts it back with rep 2.
  await page.locator('[data-test=handover-undo]').click()
  await confirmBox(page)
  await expect(page.locator('[data-test=handover-undo]')).toBeHidden()
  await expect(result.locator('[data-test=handover-result-customer]')).toContainText('1')
  const after = await (await page.request.get(`/api/v1/customers?scope=all&q=${encodeURIComponent('Müller')}`)).json()
  expect(after.items.map((c: { owner: { name: string } | null }) => c.owner?.name)).toEqual([REP2.display])
})

test('a deal for the customer moves across the kanban board by drag and drop', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/customers?scope=all')
  await page.locator('.el-table__row', { hasText: CUSTOMER }).locator('a', { hasText: CUSTOMER }).click()
  await page.locator('.el-tabs__item', { hasText: '商机' }).click()
  await page.locator('[data-test=opportunity-add]').click()
  await input(page, 'opportunity-title').fill('300 套恒温阀 春季订单')
  await input(page, 'opportunity-amount').fill('18500')
  await page.locator('[data-test=opportunity-save]').click()
  await expect(page.locator('[data-test=customer-opportunities]')).toContainText('300 套恒温阀 春季订单')

  await page.locator('[data-test="nav-crm.opportunities"]').click()
  await page.locator('[data-test=opportunities-scope] .el-radio-button', { hasText: '全部' }).click()
  const card = page.locator('[data-test=column-new] [data-test^=opportunity-card-]', { hasText: '300 套恒温阀' })
  await expect(card).toBeVisible()
  await expect(card).toContainText('18,500.00')
  await card.dragTo(page.locator('[data-test=column-negotiation] .cards'))
  const moved = page.locator('[data-test=column-negotiation] [data-test^=opportunity-card-]', { hasText: '300 套恒温阀' })
  await expect(moved).toBeVisible()
  await expect(page.locator('[data-test=column-new] [data-test^=opportunity-card-]', { hasText: '300 套恒温阀' })).toHaveCount(0)
  // The server has the new stage (a reload shows it there).
  await page.reload()
  await page.locator('[data-test=opportunities-scope] .el-radio-button', { hasText: '全部' }).click()
  await expect(page.locator('[data-test=column-negotiation]')).toContainText('300 套恒温阀')
})

test('the search box names a contact’s company and opens a timeline entry at its customer', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  const search = input(page, 'global-search')

  // A contact: its role and its company under its name; choosing it opens the company.
  await search.fill('Petra')
  const contact = page.locator('[data-test=search-hit]', { hasText: 'Petra Müller' })
  await expect(contact).toBeVisible()
  await expect(contact.locator('[data-test=search-hit-subtitle]')).toHaveText(`老板 · ${CUSTOMER}`)
  await contact.click()
  await expect(page).toHaveURL(/\/crm\/customers\/\d+$/)
  await expect(page.locator('[data-test=customer-title]')).toHaveText(CUSTOMER)
  const customerUrl = page.url()

  // A word of a timeline entry's text: the entry, naming its customer; choosing it opens the
  // customer's timeline with the entry.
  await page.goto('/crm/my-day')
  await search.fill('复印件')
  const entry = page.locator('[data-test=search-hit]', { hasText: FOLLOW_UP })
  await expect(entry).toBeVisible()
  await expect(entry).toContainText('跟进记录')
  await expect(entry.locator('[data-test=search-hit-subtitle]')).toContainText(CUSTOMER)
  await entry.click()
  await expect(page).toHaveURL(customerUrl)
  await expect(page.locator('[data-test=timeline-entry]', { hasText: FOLLOW_UP })).toBeVisible()
})
