// Types of the Kontor HTTP API (JSON under /api/v1). Those taken from `schema.d.ts` (generated
// from the server's OpenAPI document by `npm run gen:api`) follow the server by themselves; the
// hand-written rest must be kept in step with the document.
import type { components } from './schema'

type Schemas = components['schemas']

export type Lang = Schemas['Lang']
export type Scope = Schemas['Scope']

export interface NamedRef {
  id: number
  name: string
}

export interface Page<T> {
  items: T[]
  total: number
  page?: number
  per_page?: number
}

export type DemoAccount = Schemas['DemoAccount']

export type PublicInfo = Schemas['PublicInfo']

export interface Company {
  name: string
  base_currency: string
  time_zone: string
  language: Lang
}

export interface CompanySettings extends Company {
  version: number
}

/** module → action → scope */
export type Grants = Schemas['Effective']['grants']

export type Permissions = Schemas['Effective']

export interface Me {
  id: number
  username: string
  display_name: string
  email: string | null
  language: Lang
  time_zone: string
  is_admin: boolean
  roles: NamedRef[]
  teams: NamedRef[]
  areas: string[]
  permissions: Permissions
  company: Company
}

export type SetupRequest = Schemas['SetupInput']

export type MePatch = Schemas['MePatch']

export interface User {
  id: number
  username: string
  display_name: string
  email: string | null
  phone: string | null
  active: boolean
  roles: NamedRef[]
  teams: NamedRef[]
  language: Lang
  time_zone: string
  last_login_at: string | null
  created_at: string
  version: number
}

export interface UserCreate {
  username: string
  display_name: string
  password: string
  email?: string
  role_ids: number[]
  team_ids: number[]
  language?: Lang
  time_zone?: string
}

export interface UserPatch {
  version: number
  display_name?: string
  email?: string | null
  phone?: string | null
  role_ids?: number[]
  team_ids?: number[]
  active?: boolean
  password?: string
  language?: Lang
  time_zone?: string
}

export interface Team {
  id: number
  name: string
  leader_id: number | null
  leader_name: string | null
  member_count: number
  version: number
}

export interface Role {
  id: number
  key: string | null
  name: string
  preset: boolean
  grants: Grants
  hidden_fields: string[]
  /** How many users have the role (the server refuses to delete a role in use). */
  user_count?: number
  version: number
}

export interface RoleCreate {
  name: string
  grants: Grants
  hidden_fields: string[]
  based_on?: number
}

export type CatalogEntry = Schemas['CatalogEntry']

/** An action of the policy; `modules` lists where it applies (absent: every module). */
export type CatalogAction = Schemas['ActionEntry']

export type PermissionCatalog = Schemas['Catalog']

export interface RecycleItem {
  kind: string
  kind_name: string
  id: number
  title: string
  deleted_at: string
  deleted_by: NamedRef | null
}

export type AuditChange = Schemas['ChangeView']

export interface AuditEntry {
  id: number
  at: string
  user: NamedRef | null
  action: string
  kind: string
  /** The kind in the caller's language. */
  kind_name?: string
  record_id: number | null
  title: string | null
  changes: AuditChange[]
  ip: string | null
}

export interface AuditQuery {
  kind?: string
  record_id?: number
  user_id?: number
  action?: string
  from?: string
  to?: string
  page?: number
  per_page?: number
}

export interface SearchHit {
  kind: string
  /** The kind in the caller's language. */
  kind_name?: string
  id: number
  title: string
  subtitle: string | null
  /** What the hit belongs to: a contact's company, a timeline entry's customer or lead. */
  parent?: SearchHitParent | null
}

export interface SearchHitParent {
  kind: string
  id: number
  title: string
}

/** The server's error body: {"error": {"code", "message", "field"}} */
export type ErrorBody = Schemas['ErrorBody']
