// The shape of a web module: everything one area of the product adds to the app, declared in
// `modules/<area>/index.ts` and listed once in `modules/index.ts`. The menu (nav.ts), the router,
// the global search (searchTargets.ts) and the messages (i18n.ts) read that list; nothing else
// names a module's screens, kinds or strings.
import type { Component } from 'vue'
import type { RouteLocationRaw, RouteRecordRaw } from 'vue-router'

type ViewLoader = () => Promise<unknown>

/** A group of the side menu (a sub-menu, or the top level for `main`). */
export interface NavGroup {
  key: string
  /** i18n key of the label. */
  label: string
  icon: Component
}

export interface NavItem {
  /** The area key the server lists in me.areas. */
  area: string
  /** The menu group (declared by this module or another one). */
  group: string
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
  /**
   * Place in its group: smaller first; items without one, and items of the same weight, keep the
   * module list's order. Lets a module put an item between another module's items.
   */
  order?: number
  /** Users who may open it land here after signing in (the first such item wins). */
  landing?: boolean
}

/** A record as a search hit or a notification names it. */
export interface RecordRef {
  kind: string
  id: number
  title?: string
  /** What it belongs to: a contact's company, a timeline entry's customer or lead. */
  parent?: { kind: string; id: number; title?: string } | null
}

/** Where a record of one kind opens (a global search hit, a notification's record). */
export interface RecordTarget {
  /** The area of the app the user must be able to open (per record when it depends on it). */
  area: string | ((r: RecordRef) => string)
  /** The screen; null when this record cannot be opened (e.g. a timeline entry without its parent). */
  to: (r: RecordRef) => RouteLocationRaw | null
}

export interface Messages {
  [key: string]: string | Messages
}

export interface WebModule {
  /** Its folder name under modules/. */
  key: string
  /** Menu groups this module owns, in menu order (groups of all modules follow the module list). */
  groups?: NavGroup[]
  /** Its menu items: one per area of the server's me.areas (each with its screen). */
  nav?: NavItem[]
  /** Screens reached from a list rather than the menu; `meta.area` says who may open them. */
  routes?: RouteRecordRaw[]
  /** record kind → where a record of it opens. Every searchable server kind has one in some module. */
  targets?: Record<string, RecordTarget>
  /** Its strings, in both languages with the same keys (merged into one message tree). */
  messages: { 'zh-CN': Messages; en: Messages }
}

/** A typed identity for module declarations. */
export function defineModule(m: WebModule): WebModule {
  return m
}
