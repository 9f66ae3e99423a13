// The menu, built from the module list (modules/index.ts): one item per area of the product.
// The server says which areas a user may open (me.areas); an item shows in the menu only when it
// is both allowed and built here (has a view or a link).
import { MODULES, navGroups, navItems } from './modules'
import type { NavGroup, NavItem } from './modules/types'

export type { NavGroup, NavItem }

/** The area in me.areas that opens an item. */
export function areaOf(item: NavItem): string {
  return item.requires ?? item.area
}

export const NAV_GROUPS: NavGroup[] = navGroups(MODULES)

export const NAV: NavItem[] = navItems(MODULES)

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

/** Where a user lands after logging in: the first landing screen they may open ("My day"), else home. */
export function landingPath(areas: readonly string[], table: readonly NavItem[] = NAV): string {
  const item = table.find((i) => i.landing && i.view && areas.includes(areaOf(i)))
  return item ? item.path : '/'
}

/** The first screen a user may open — where to land when home is not allowed. */
export function firstAllowedPath(areas: readonly string[]): string | null {
  const first = allowedItems(areas).find((i) => i.view)
  return first ? first.path : null
}
