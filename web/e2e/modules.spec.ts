import { expect, test, type APIRequestContext } from '@playwright/test'
import { ADMIN, ensureSetup, input, loginAs } from './helpers'
import { MODULES, NOT_YET_OPENED, recordTargets } from '../src/modules'
import FIXTURE from '../src/modules/kinds.fixture.json' with { type: 'json' }

// The module list against the running server (issue 12): every kind the server's search finds
// opens somewhere in the app, and no module opens a kind the server does not have. The lists
// keep their filters, scope and page in the address.

interface KindInfo {
  kind: string
  module: string
  name: string
  searchable: boolean
}

const FIRMS = ['Nordlicht Haustechnik GmbH', 'Nordlicht Sanitär AG', 'Nordwind Armaturen KG']

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ request, baseURL }) => {
  await ensureSetup(request, baseURL!)
  const headers = { origin: baseURL! }
  expect((await request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })).ok()).toBe(true)
  for (const [i, name] of FIRMS.entries()) {
    const res = await request.post('/api/v1/customers', { headers, data: { name, country: i < 2 ? 'DE' : 'AT' } })
    expect(res.status(), await res.text()).toBe(201)
  }
  await request.post('/api/v1/auth/logout', { headers })
})

/** The server's kinds, named in a language. */
async function serverKinds(request: APIRequestContext, lang: string): Promise<KindInfo[]> {
  const res = await request.get('/api/v1/kinds', { headers: { 'accept-language': lang } })
  expect(res.status(), await res.text()).toBe(200)
  return res.json()
}

test('every kind the server finds has a search target, and every target a server kind', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  const kinds = await serverKinds(page.request, 'en')
  const targets = recordTargets(MODULES)
  const searchable = kinds.filter((k) => k.searchable).map((k) => k.kind)
  expect(searchable).toContain('customer')
  expect(searchable.filter((k) => !(k in targets) && !NOT_YET_OPENED.includes(k))).toEqual([])
  expect(NOT_YET_OPENED.filter((k) => k in targets || !searchable.includes(k))).toEqual([])
  const known = new Set(kinds.map((k) => k.kind))
  expect(Object.keys(targets).filter((k) => !known.has(k))).toEqual([])
  // The recorded copy the unit tests use says the same (a kind the search finds is in it).
  const recorded = new Map((FIXTURE as KindInfo[]).map((k) => [k.kind, k.searchable]))
  expect(kinds.filter((k) => k.searchable && !recorded.get(k.kind)).map((k) => k.kind), 'add them to src/modules/kinds.fixture.json').toEqual([])
  expect([...recorded].filter(([k, s]) => !known.has(k) || kinds.find((x) => x.kind === k)!.searchable !== s).map(([k]) => k)).toEqual([])
})

test('the audit log filters by the server’s kinds, named in the reader’s language', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  const kinds = await serverKinds(page.request, 'zh-CN')
  await page.goto('/admin/audit')
  await page.locator('[data-test=audit-kind]').click()
  const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
  for (const k of kinds) await expect(options.filter({ hasText: new RegExp(`^${k.name}$`) }).first()).toBeVisible()
  // Choosing one filters the list and says so in the address; a reload keeps it.
  const customer = kinds.find((k) => k.kind === 'customer')!
  await options.filter({ hasText: new RegExp(`^${customer.name}$`) }).first().click()
  await expect(page).toHaveURL(/[?&]kind=customer/)
  await page.reload()
  await expect(page.locator('[data-test=audit-kind]')).toContainText(customer.name)
  const rows = page.locator('[data-test=audit-table] .el-table__row')
  await expect(rows.first()).toContainText(customer.name)
})

test('the customer list keeps its filters and page in the address: reload, back and forward', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/customers')
  const rows = page.locator('[data-test=customers-table] .el-table__row')
  await input(page, 'customers-search').fill('Nordlicht')
  await expect(page).toHaveURL(/[?&]q=Nordlicht/)
  await expect(rows).toHaveCount(2)

  // A country: a new step in the history.
  await page.locator('[data-test=customers-filters] .f-country').click()
  await page.keyboard.type('德国')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/[?&]country=DE/)
  await expect(rows).toHaveCount(2)
  await page.locator('[data-test=filter-order]').click()
  await expect(page).toHaveURL(/[?&]order=asc/)

  await page.reload()
  await expect(input(page, 'customers-search')).toHaveValue('Nordlicht')
  await expect(rows).toHaveCount(2)
  await expect(page.locator('[data-test=filter-order]')).toContainText(/升序|Ascending/)

  // Back: the order as before; back again: no country; forward: the country again.
  await page.goBack()
  await expect(page).not.toHaveURL(/order=asc/)
  await expect(page.locator('[data-test=filter-order]')).toContainText(/降序|Descending/)
  await page.goBack()
  await expect(page).not.toHaveURL(/country=/)
  await expect(input(page, 'customers-search')).toHaveValue('Nordlicht')
  await page.goForward()
  await expect(page).toHaveURL(/[?&]country=DE/)

  // Opening a customer and coming back shows the same list.
  await rows.first().locator('a').first().click()
  await expect(page).toHaveURL(/\/crm\/customers\/\d+$/)
  await page.goBack()
  await expect(page).toHaveURL(/[?&]country=DE/)
  await expect(rows).toHaveCount(2)
})

test('the leads list keeps its tab and status in the address', async ({ page }) => {
  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/crm/leads')
  await page.locator('[data-test=leads-tabs] .el-tabs__item', { hasText: /线索池|Lead pool/ }).click()
  await expect(page).toHaveURL(/[?&]tab=pool/)
  await page.reload()
  await expect(page.locator('[data-test=leads-tabs] .el-tabs__item.is-active')).toHaveText(/线索池|Lead pool/)
  await page.goBack()
  await expect(page).not.toHaveURL(/tab=pool/)
  await expect(page.locator('[data-test=leads-tabs] .el-tabs__item.is-active')).not.toHaveText(/线索池|Lead pool/)
})

test('the users directory keeps its search and page in the address: reload, back and forward', async ({ page, baseURL }) => {
  // 22 users whose names share a word: a search that fills more than a page of 20.
  const headers = { origin: baseURL! }
  expect((await page.request.post('/api/v1/auth/login', { headers, data: { username: ADMIN.username, password: ADMIN.password } })).ok()).toBe(true)
  const ids: Record<string, number> = {}
  for (let i = 1; i <= 22; i++) {
    const username = `lister.${String(i).padStart(2, '0')}`
    const res = await page.request.post('/api/v1/users', {
      headers,
      data: { username, display_name: `列表 ${i}`, password: 'lister-e2e-pass-1', role_ids: [], team_ids: [] },
    })
    expect(res.status(), await res.text()).toBe(201)
    ids[username] = (await res.json()).id
  }
  await page.request.post('/api/v1/auth/logout', { headers })

  await loginAs(page, ADMIN.username, ADMIN.password)
  await page.goto('/admin/users')
  const rows = page.locator('[data-test=users-table] .el-table__body-wrapper .el-table__row')
  const total = page.locator('[data-test=users-total]')
  const search = input(page, 'users-search')

  await search.fill('lister')
  await expect(page).toHaveURL(/[?&]q=lister(&|$)/)
  await expect(total).toHaveText('共 22 条')
  await expect(rows).toHaveCount(20)
  await page.locator('.pager .el-pager li', { hasText: /^2$/ }).click()
  await expect(page).toHaveURL(/[?&]page=2/)
  await expect(rows).toHaveCount(2)

  // A reload (or the same link elsewhere) shows the same search and page.
  await page.reload()
  await expect(search).toHaveValue('lister')
  await expect(total).toHaveText('共 22 条')
  await expect(rows).toHaveCount(2)
  await expect(page.locator('.pager .el-pager li.is-active')).toHaveText('2')

  // A narrower search starts at page 1; back returns to the previous search, forward to this one.
  await search.fill('lister.0')
  await expect(page).toHaveURL(/[?&]q=lister\.0(&|$)/)
  await expect(page).not.toHaveURL(/page=/)
  await expect(total).toHaveText('共 9 条')
  await page.goBack()
  await expect(page).toHaveURL(/[?&]q=lister(&|$)/)
  await expect(search).toHaveValue('lister')
  await expect(total).toHaveText('共 22 条')
  await expect(rows).toHaveCount(20)
  await page.goForward()
  await expect(search).toHaveValue('lister.0')
  await expect(rows).toHaveCount(9)

  // A global-search hit (`?q=…&open=<id>`) opens that user's editor and keeps the search.
  await page.goto(`/admin/users?q=lister.05&open=${ids['lister.05']}`)
  await expect(input(page, 'user-username')).toHaveValue('lister.05')
  await expect(page).not.toHaveURL(/open=/)
  await expect(page).toHaveURL(/[?&]q=lister\.05/)
  await expect(rows).toHaveCount(1)
})
