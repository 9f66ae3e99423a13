// Types of the Kontor HTTP API (JSON under /api/v1). Keep in step with the server's OpenAPI document.

export type Lang = 'zh-CN' | 'en'
export type Scope = 'none' | 'own' | 'team' | 'all'

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

export interface DemoAccount {
  username: string
  password: string
  role: string
}

export interface PublicInfo {
  setup_required: boolean
  demo: boolean
  demo_accounts: DemoAccount[]
  company_name: string | null
  default_language: Lang
  version: string
}

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
export type Grants = Record<string, Record<string, Scope>>

export interface Permissions {
  grants: Grants
  hidden_fields: string[]
}

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

export interface SetupRequest {
  company: Company
  admin: { username: string; display_name: string; password: string; email?: string }
}

export interface MePatch {
  display_name?: string
  language?: Lang
  time_zone?: string
}

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

export interface CatalogEntry {
  key: string
  name: string
}

/** An action of the policy; `modules` lists where it applies (absent: every module). */
export interface CatalogAction extends CatalogEntry {
  modules?: string[] | null
}

export interface PermissionCatalog {
  modules: CatalogEntry[]
  actions: CatalogAction[]
  scopes: CatalogEntry[]
  field_classes: CatalogEntry[]
}

export interface RecycleItem {
  kind: string
  kind_name: string
  id: number
  title: string
  deleted_at: string
  deleted_by: NamedRef | null
}

export interface AuditChange {
  field: string
  old: unknown
  new: unknown
}

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
export interface ErrorBody {
  error: { code: string; message: string; field?: string | null }
}
