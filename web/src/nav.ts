// The navigation table: one line per area of the product. The server says which areas a user may
// open (me.areas); an area shows in the menu only when it is both allowed and built here (has a view
// or a link). A later issue that builds an area adds its `view` (and its strings) on its line.
import type { Component } from 'vue'
import {
  Box,
  Coin,
  DataAnalysis,
  Document,
  House,
  Van,
  Setting,
  ShoppingCart,
  Tickets,
  User,
} from '@element-plus/icons-vue'

export type GroupKey =
  | 'main'
  | 'crm'
  | 'sales'
  | 'purchasing'
  | 'inventory'
  | 'logistics'
  | 'projects'
  | 'finance'
  | 'insight'
  | 'admin'

type ViewLoader = () => Promise<unknown>

export interface NavItem {
  /** The area key the server lists in me.areas. */
  area: string
  group: GroupKey
  /** Route path inside the app (or a plain URL when `href` is set). */
  path: string
  /** i18n key of the label. */
  label: string
  /** The lazily loaded screen; missing while the area is not built yet. */
  view?: ViewLoader
  /** A page outside the single-page app (opened in a new tab). */
  href?: string
  /** false: routed and guarded but not listed in the menu (e.g. the profile, reached from the user menu). */
  menu?: boolean
  /** The server's area that opens this item when it has none of its own (`area` is then just its key). */
  requires?: string
}

/** The area in me.areas that opens an item. */
export function areaOf(item: NavItem): string {
  return item.requires ?? item.area
}

export interface NavGroup {
  key: GroupKey
  label: string
  icon: Component
}

export const NAV_GROUPS: NavGroup[] = [
  { key: 'main', label: 'nav.group.main', icon: House },
  { key: 'crm', label: 'nav.group.crm', icon: User },
  { key: 'sales', label: 'nav.group.sales', icon: Tickets },
  { key: 'purchasing', label: 'nav.group.purchasing', icon: ShoppingCart },
  { key: 'inventory', label: 'nav.group.inventory', icon: Box },
  { key: 'logistics', label: 'nav.group.logistics', icon: Van },
  { key: 'projects', label: 'nav.group.projects', icon: Document },
  { key: 'finance', label: 'nav.group.finance', icon: Coin },
  { key: 'insight', label: 'nav.group.insight', icon: DataAnalysis },
  { key: 'admin', label: 'nav.group.admin', icon: Setting },
]

export const NAV: NavItem[] = [
  { area: 'home', group: 'main', path: '/', label: 'nav.home', view: () => import('./modules/core/views/HomeView.vue') },
  {
    area: 'profile',
    group: 'main',
    path: '/profile',
    label: 'nav.profile',
    menu: false,
    view: () => import('./modules/core/views/ProfileView.vue'),
  },
  // The inbox: everyone's own, reached from the bell in the header.
  {
    area: 'notifications',
    requires: 'home',
    group: 'main',
    path: '/notifications',
    label: 'notify.title',
    menu: false,
    view: () => import('./modules/notify/views/NotificationsView.vue'),
  },

  // CRM (CRM-1 … CRM-11)
  { area: 'crm.my_day', group: 'crm', path: '/crm/my-day', label: 'nav.crm.my_day', view: () => import('./modules/crm/views/MyDayView.vue') },
  {
    area: 'crm.customers',
    group: 'crm',
    path: '/crm/customers',
    label: 'nav.crm.customers',
    view: () => import('./modules/crm/views/CustomersView.vue'),
  },
  // Duplicates (CRM-7): no area of its own, customers opens it. Import (CRM-8): only for
  // roles that may import (the server lists crm.import).
  {
    area: 'crm.duplicates',
    requires: 'crm.customers',
    group: 'crm',
    path: '/crm/duplicates',
    label: 'nav.crm.duplicates',
    view: () => import('./modules/dedup/views/DuplicatesView.vue'),
  },
  {
    area: 'crm.import',
    group: 'crm',
    path: '/crm/import',
    label: 'nav.crm.import',
    view: () => import('./modules/import/views/ImportView.vue'),
  },
  { area: 'crm.pool', group: 'crm', path: '/crm/pool', label: 'nav.crm.pool', view: () => import('./modules/crm/views/PoolView.vue') },
  { area: 'crm.leads', group: 'crm', path: '/crm/leads', label: 'nav.crm.leads', view: () => import('./modules/crm/views/LeadsView.vue') },
  {
    area: 'crm.opportunities',
    group: 'crm',
    path: '/crm/opportunities',
    label: 'nav.crm.opportunities',
    view: () => import('./modules/crm/views/OpportunitiesView.vue'),
  },
  {
    area: 'crm.handover',
    group: 'crm',
    path: '/crm/handover',
    label: 'nav.crm.handover',
    view: () => import('./modules/crm/views/HandoverView.vue'),
  },
  {
    area: 'crm.settings',
    group: 'crm',
    path: '/crm/settings',
    label: 'nav.crm.settings',
    view: () => import('./modules/crm/views/CrmSettingsView.vue'),
  },

  // Sales (SAL-1 … SAL-5)
  { area: 'sales.products', group: 'sales', path: '/sales/products', label: 'nav.sales.products' },
  { area: 'sales.quotations', group: 'sales', path: '/sales/quotations', label: 'nav.sales.quotations' },
  { area: 'sales.orders', group: 'sales', path: '/sales/orders', label: 'nav.sales.orders' },
  { area: 'sales.payments', group: 'sales', path: '/sales/payments', label: 'nav.sales.payments' },
  { area: 'sales.quick_order', group: 'sales', path: '/sales/quick-order', label: 'nav.sales.quick_order' },

  // Purchasing (INV-3, INV-4)
  { area: 'purchasing.suppliers', group: 'purchasing', path: '/purchasing/suppliers', label: 'nav.purchasing.suppliers' },
  { area: 'purchasing.orders', group: 'purchasing', path: '/purchasing/orders', label: 'nav.purchasing.orders' },
  { area: 'purchasing.planning', group: 'purchasing', path: '/purchasing/planning', label: 'nav.purchasing.planning' },

  // Inventory (INV-1, INV-2)
  { area: 'inventory.stock', group: 'inventory', path: '/inventory/stock', label: 'nav.inventory.stock' },
  { area: 'inventory.warehouses', group: 'inventory', path: '/inventory/warehouses', label: 'nav.inventory.warehouses' },

  // Logistics (LOG-1 … LOG-4)
  { area: 'logistics.shipments', group: 'logistics', path: '/logistics/shipments', label: 'nav.logistics.shipments' },
  { area: 'logistics.feedback', group: 'logistics', path: '/logistics/feedback', label: 'nav.logistics.feedback' },

  // Projects, tasks and work orders (PRJ-1 … PRJ-7)
  { area: 'projects.projects', group: 'projects', path: '/projects', label: 'nav.projects.projects' },
  { area: 'projects.calendar', group: 'projects', path: '/projects/calendar', label: 'nav.projects.calendar' },
  { area: 'projects.work_orders', group: 'projects', path: '/projects/work-orders', label: 'nav.projects.work_orders' },

  // Finance (FIN-1 … FIN-4)
  { area: 'finance.receivables', group: 'finance', path: '/finance/receivables', label: 'nav.finance.receivables' },
  { area: 'finance.payables', group: 'finance', path: '/finance/payables', label: 'nav.finance.payables' },
  { area: 'finance.profit', group: 'finance', path: '/finance/profit', label: 'nav.finance.profit' },

  // Insight (BI-1 … BI-3)
  { area: 'insight.dashboards', group: 'insight', path: '/insight/dashboards', label: 'nav.insight.dashboards' },
  { area: 'insight.workload', group: 'insight', path: '/insight/workload', label: 'nav.insight.workload' },
  { area: 'insight.scorecards', group: 'insight', path: '/insight/scorecards', label: 'nav.insight.scorecards' },

  // Administration (PLT-1, PLT-6, PLT-7, CRM-9)
  { area: 'admin.users', group: 'admin', path: '/admin/users', label: 'nav.admin.users', view: () => import('./modules/admin/views/UsersView.vue') },
  { area: 'admin.teams', group: 'admin', path: '/admin/teams', label: 'nav.admin.teams', view: () => import('./modules/admin/views/TeamsView.vue') },
  { area: 'admin.roles', group: 'admin', path: '/admin/roles', label: 'nav.admin.roles', view: () => import('./modules/admin/views/RolesView.vue') },
  {
    area: 'admin.permissions',
    group: 'admin',
    path: '/admin/permissions',
    label: 'nav.admin.permissions',
    view: () => import('./modules/admin/views/PermissionsView.vue'),
  },
  {
    area: 'admin.recycle_bin',
    group: 'admin',
    path: '/admin/recycle-bin',
    label: 'nav.admin.recycle_bin',
    view: () => import('./modules/admin/views/RecycleBinView.vue'),
  },
  { area: 'admin.audit', group: 'admin', path: '/admin/audit', label: 'nav.admin.audit', view: () => import('./modules/admin/views/AuditView.vue') },
  {
    area: 'admin.company',
    group: 'admin',
    path: '/admin/company',
    label: 'nav.admin.company',
    view: () => import('./modules/admin/views/CompanyView.vue'),
  },
  { area: 'admin.api_docs', group: 'admin', path: '/api-docs.html', label: 'nav.admin.api_docs', href: '/api-docs.html' },
]

/** Is the area built in this web app (a screen or a link)? */
export function isBuilt(item: NavItem): boolean {
  return Boolean(item.view || item.href)
}

/** The items a user may see: allowed by the server, built here. */
export function allowedItems(areas: readonly string[], table: readonly NavItem[] = NAV): NavItem[] {
  const allowed = new Set(areas)
  return table.filter((i) => isBuilt(i) && allowed.has(areaOf(i)))
}

export interface VisibleGroup extends NavGroup {
  items: NavItem[]
}

/** The menu: groups in table order, each with its visible items; empty groups are left out. */
export function visibleMenu(
  areas: readonly string[],
  table: readonly NavItem[] = NAV,
  groups: readonly NavGroup[] = NAV_GROUPS,
): VisibleGroup[] {
  const items = allowedItems(areas, table).filter((i) => i.menu !== false)
  return groups
    .map((g) => ({ ...g, items: items.filter((i) => i.group === g.key) }))
    .filter((g) => g.items.length > 0)
}

/** May a user with these areas open this area? (Used by the route guard.) */
export function canOpen(areas: readonly string[], area: string | undefined): boolean {
  return !area || areas.includes(area)
}

/** Where a user lands after logging in: "My day" for those who have it, else home. */
export const LANDING_AREAS = ['crm.my_day']

export function landingPath(areas: readonly string[]): string {
  const item = LANDING_AREAS.map((a) => NAV.find((i) => i.area === a)).find((i) => i && i.view && areas.includes(areaOf(i)))
  return item ? item.path : '/'
}

/** The first screen a user may open — where to land when home is not allowed. */
export function firstAllowedPath(areas: readonly string[]): string | null {
  const first = allowedItems(areas).find((i) => i.view)
  return first ? first.path : null
}
