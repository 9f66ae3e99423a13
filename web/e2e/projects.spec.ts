import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { ADMIN, ensureSetup, input, loginAs, logout } from './helpers'

// Projects in headless Chromium against the real server (issue 15): the admin lays out a project
// from the Prime Day template (counted back from its event date), drags a bar on the Gantt and
// sees the task's dependents move, comments on a task mentioning a member who then finds the
// notification in their inbox, and on a phone moves a card across the kanban.

const PASSWORD = 'projects-e2e-pass-1'
const MEMBER = { username: 'he.jing', display: '何静' }
const EVENT = '2027-07-15'

test.describe.configure({ mode: 'serial', timeout: 120_000 })

let memberId = 0
let projectId = 0

interface Task {
  id: number
  title: string
  start: string | null
  due: string | null
  status: string
  depends_on: { task_id: number }[]
}

async function adminApi(request: APIRequestContext, baseURL: string) {
  const headers = { origin: baseURL }
  const login = await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })
  expect(login.ok()).toBe(true)
  return headers
}

async function tasksOf(request: APIRequestContext): Promise<Task[]> {
  return (await (await request.get(`/api/v1/projects/${projectId}/tasks`)).json()).items
}

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = await adminApi(request, baseURL!)
  const roles = (await (await request.get('/api/v1/roles')).json()).items as { id: number; key: string | null }[]
  const sales = roles.find((r) => r.key === 'sales')!
  const res = await request.post('/api/v1/users', {
    headers,
    data: { username: MEMBER.username, display_name: MEMBER.display, password: PASSWORD, role_ids: [sales.id], team_ids: [], language: 'en', time_zone: 'Asia/Shanghai' },
  })
  expect(res.status(), await res.text()).toBe(201)
  memberId = (await res.json()).id
  await request.post('/api/v1/auth/logout', { headers })
})

test('a project from the Prime Day template is counted back from its event date', async ({ page, request, baseURL }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/projects')
  await page.locator('[data-test=project-create]').click()
  const dialog = page.locator('[data-test=project-create-dialog]')
  await dialog.locator('[data-test=project-template]').click()
  await page.locator('[data-test=template-option-prime_day]:visible').click()
  await input(page, 'project-name').fill('Prime Day 2027 美国站')
  const date = dialog.locator('.el-date-editor input')
  await date.fill(EVENT)
  await date.press('Enter')
  await dialog.locator('[data-test=project-create-save]').click()
  await expect(page).toHaveURL(/\/projects\/\d+/)
  projectId = Number(page.url().match(/\/projects\/(\d+)/)![1])
  await expect(page.locator('[data-test=project-title]')).toHaveText('Prime Day 2027 美国站')

  // Stock-up starts 60 days before the event; the member joins through the API.
  const headers = await adminApi(request, baseURL!)
  const tasks = await tasksOf(request)
  expect(tasks.find((t) => t.title === '备货')?.start).toBe('2027-05-16')
  const p = await (await request.get(`/api/v1/projects/${projectId}`)).json()
  const patch = await request.patch(`/api/v1/projects/${projectId}`, { headers, data: { version: p.version, members: [{ user_id: memberId, observer: false }] } })
  expect(patch.ok(), await patch.text()).toBe(true)
})

/** Drags a task's bar `days` day columns to the right with the real mouse (45 px a day in Day view). */
async function dragBar(page: Page, taskId: number, days: number) {
  const bar = page.locator(`.project-gantt .bar-wrapper[data-id="${taskId}"] .bar`)
  await expect(bar).toBeVisible()
  await bar.scrollIntoViewIfNeeded()
  const box = (await bar.boundingBox())!
  const column = 45
  const x = box.x + box.width / 2
  const y = box.y + box.height / 2
  await page.mouse.move(x, y)
  await page.mouse.down()
  for (let i = 1; i <= days; i++) await page.mouse.move(x + column * i, y)
  await page.mouse.up()
}

const plus = (ymd: string, days: number) => {
  const d = new Date(`${ymd}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

test('dragging a bar on the Gantt moves the task and its dependents', async ({ page, request, baseURL }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  const headers = await adminApi(request, baseURL!)
  const before = await tasksOf(request)
  const faq = before.find((t) => t.title === '常见问题与回复模板')!
  const shifts = before.find((t) => t.title === '排班与值守')!
  const aftersales = before.find((t) => t.title === '售后与评价跟进')!
  const service = before.find((t) => t.title === '客服预案')!
  expect(shifts.depends_on.map((d) => d.task_id)).toContain(faq.id)

  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto(`/projects/${projectId}?tab=gantt`)
  // Ten days later the FAQ would push the shifts, and the after-sales task behind them (no
  // slack), past the end of their phase: the project keeps subtasks within their parent, so the
  // server refuses the whole move and the page says why; nothing moved.
  await dragBar(page, faq.id, 10)
  await expect(page.locator('.el-message--error').last()).toContainText('售后与评价跟进')
  const refused = await tasksOf(request)
  for (const t of [faq, shifts, aftersales]) {
    const now = refused.find((x) => x.id === t.id)!
    expect([now.start, now.due]).toEqual([t.start, t.due])
  }

  // The phase is given ten more days; the same drag now moves the FAQ exactly ten days and its
  // dependents forward as far as they must (finish-to-start).
  const phase = await (await request.get(`/api/v1/project-tasks/${service.id}`)).json()
  const widen = await request.patch(`/api/v1/project-tasks/${service.id}`, { headers, data: { version: phase.version, due: plus(service.due!, 10) } })
  expect(widen.ok(), await widen.text()).toBe(true)
  await page.reload()
  await dragBar(page, faq.id, 10)

  await expect
    .poll(async () => (await tasksOf(request)).find((t) => t.id === faq.id)!.start, { timeout: 10_000 })
    .toBe(plus(faq.start!, 10))
  const after = await tasksOf(request)
  const faqAfter = after.find((t) => t.id === faq.id)!
  const shiftsAfter = after.find((t) => t.id === shifts.id)!
  const aftersalesAfter = after.find((t) => t.id === aftersales.id)!
  expect(faqAfter.due).toBe(plus(faq.due!, 10))
  // Finish-to-start, no lag: the shifts start the day after the FAQ is done (they had two days
  // of slack, so they move eight), their length kept; the after-sales follow two days after them.
  expect(shiftsAfter.start).toBe(plus(faqAfter.due!, 1))
  expect(shiftsAfter.due).toBe(plus(shifts.due!, 8))
  expect(aftersalesAfter.start).toBe(plus(shiftsAfter.due!, 3))
  // The chart read the tasks again: the dependent's bar sits where the server put it.
  await expect(page.locator(`.project-gantt .bar-wrapper[data-id="${shifts.id}"]`)).toBeVisible()
})

test('a comment mentioning a member notifies them', async ({ page, request, baseURL }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await adminApi(request, baseURL!)
  const deals = (await tasksOf(request)).find((t) => t.title === '提报秒杀与 Prime 专享折扣')!
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto(`/projects/${projectId}?tab=list`)
  await page.locator('[data-test=task-list] .task-row', { hasText: '提报秒杀与 Prime 专享折扣' }).click()
  const drawer = page.locator('[data-test=task-panel]')
  await expect(drawer.locator('[data-test=task-title]')).toHaveText('提报秒杀与 Prime 专享折扣')
  const box = drawer.locator('[data-test=comment-input] textarea')
  await box.click()
  await box.pressSequentially('请确认折扣 @')
  await page.locator('.el-mention-dropdown__item:visible', { hasText: MEMBER.display }).click()
  await box.pressSequentially('谢谢')
  await drawer.locator('[data-test=comment-send]').click()
  const comment = drawer.locator('[data-test=task-comments] .comment').last()
  await expect(comment.locator('.mention')).toHaveText(`@${MEMBER.display}`)
  await expect(comment).toContainText('谢谢')
  // The drawer covers the header (its user menu): closed first, as a person would.
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  await logout(page)

  // The member (English) finds it in the bell and opens the task's conversation from it.
  await loginAs(page, MEMBER.username, PASSWORD)
  await page.goto('/notifications')
  // Told in the member's language (English), naming the writer and the task.
  const item = page.locator('body').getByText(`${ADMIN.display} mentioned you in the conversation on 提报秒杀与 Prime 专享折扣`)
  await expect(item.first()).toBeVisible()
  await expect(page.locator('body')).not.toContainText('在任务')
  await page.goto(`/projects/tasks/${deals.id}`)
  await expect(page.locator('[data-test=task-comments] .mention')).toHaveText(`@${MEMBER.display}`)
  await logout(page)
})

test('on a phone a card moves to another kanban column by its menu and its status changes', async ({ page, request, baseURL }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await adminApi(request, baseURL!)
  const forecast = (await tasksOf(request)).find((t) => t.title === '销量预测')!
  expect(forecast.status).toBe('todo')
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto(`/projects/${projectId}?tab=kanban`)
  const card = `[data-test=task-card-${forecast.id}]`
  await page.locator(card).scrollIntoViewIfNeeded()
  // On a phone the card's menu moves it (one column shows at a time; dragging across is awkward).
  await page.locator(`[data-test=task-move-${forecast.id}]`).click()
  await page.locator(`[data-test=task-move-${forecast.id}-doing]`).click()
  await expect(page.locator(`[data-test=kanban-column-doing] ${card}`)).toBeVisible()
  await expect.poll(async () => (await tasksOf(request)).find((t) => t.id === forecast.id)!.status).toBe('doing')
})
