// Typed API functions, one per endpoint of the contract. Screens never build URLs themselves.
import { http } from './client'
import type {
  AuditEntry,
  AuditQuery,
  CompanySettings,
  Me,
  MePatch,
  Page,
  PermissionCatalog,
  Permissions,
  PublicInfo,
  RecycleItem,
  Role,
  RoleCreate,
  SearchHit,
  SetupRequest,
  Team,
  User,
  UserCreate,
  UserPatch,
} from './types'

import type {
  Activity,
  ActivityInput,
  AssignInput,
  CadenceRule,
  CadenceRuleInput,
  Contact,
  ContactInput,
  ConvertInput,
  ConvertResult,
  Customer,
  CustomerInput,
  CustomerPatch,
  CustomerQuery,
  HandoverInput,
  HandoverResult,
  Lead,
  LeadInput,
  LeadQuery,
  MyDay,
  Opportunity,
  OpportunityInput,
  OpportunityQuery,
  Pool,
  PoolInput,
  PoolQuery,
  Task,
  TaskPatch,
} from './crm'
import type { components } from './schema'

export * from './types'
export * from './crm'
export * from './projects'
export { ApiError, configureClient } from './client'
/** The types generated from the server's OpenAPI document (`npm run gen:api`). */
export type { components, paths } from './schema'

/** Request and answer bodies as the server's OpenAPI document describes them. */
type Body<Name extends keyof components['schemas']> = components['schemas'][Name]

const enc = encodeURIComponent

export const api = {
  publicInfo: () => http.get<PublicInfo>('/public/info'),
  setup: (body: SetupRequest) => http.post<Me>('/setup', body, { allow401: true }),

  login: (username: string, password: string) =>
    http.post<Me>('/auth/login', { username, password } satisfies Body<'LoginInput'>, { allow401: true }),
  logout: () => http.post<void>('/auth/logout', undefined, { allow401: true }),

  /** The signed-in user; a 401 here only means "not signed in". */
  me: () => http.get<Me>('/me', undefined, { allow401: true }),
  updateMe: (patch: MePatch) => http.patch<Me>('/me', patch),
  changePassword: (current_password: string, new_password: string) =>
    http.post<void>('/me/password', { current_password, new_password } satisfies Body<'PasswordChange'>),

  users: (q: { q?: string; page?: number; per_page?: number } = {}) => http.get<Page<User>>('/users', q),
  user: (id: number) => http.get<User>(`/users/${id}`),
  createUser: (body: UserCreate) => http.post<User>('/users', body),
  updateUser: (id: number, patch: UserPatch) => http.patch<User>(`/users/${id}`, patch),
  endSessions: (id: number) => http.post<void>(`/users/${id}/end-sessions`),
  userPermissions: (id: number) => http.get<Permissions>(`/users/${id}/permissions`),

  teams: () => http.get<Page<Team>>('/teams'),
  createTeam: (body: Body<'NewTeam'>) => http.post<Team>('/teams', body),
  updateTeam: (id: number, patch: Body<'TeamPatch'>) => http.patch<Team>(`/teams/${id}`, patch),
  deleteTeam: (id: number, version: number) => http.del<void>(`/teams/${id}`, { version }),

  roles: () => http.get<Page<Role>>('/roles'),
  createRole: (body: RoleCreate) => http.post<Role>('/roles', body),
  updateRole: (id: number, patch: Partial<RoleCreate> & { version: number }) =>
    http.patch<Role>(`/roles/${id}`, patch),
  deleteRole: (id: number, version: number) => http.del<void>(`/roles/${id}`, { version }),
  permissionCatalog: () => http.get<PermissionCatalog>('/permissions/catalog'),

  recycleBin: (q: { kind?: string; page?: number; per_page?: number } = {}) =>
    http.get<Page<RecycleItem>>('/recycle-bin', q),
  restore: (kind: string, id: number) => http.post<void>(`/recycle-bin/${enc(kind)}/${id}/restore`),
  purge: (kind: string, id: number) => http.del<void>(`/recycle-bin/${enc(kind)}/${id}`),

  audit: (q: AuditQuery = {}) => http.get<Page<AuditEntry>>('/audit', { ...q }),

  company: () => http.get<CompanySettings>('/company'),
  updateCompany: (patch: Partial<CompanySettings> & { version: number }) =>
    http.patch<CompanySettings>('/company', patch),

  search: (q: string, limit = 10) => http.get<{ items: SearchHit[] }>('/search', { q, limit }),

  // CRM: customers and contacts (CRM-1)
  customers: (q: CustomerQuery = {}) => http.get<Page<Customer>>('/customers', { ...q }),
  customer: (id: number) => http.get<Customer>(`/customers/${id}`),
  createCustomer: (body: CustomerInput) => http.post<Customer>('/customers', body),
  updateCustomer: (id: number, patch: CustomerPatch) => http.patch<Customer>(`/customers/${id}`, patch),
  deleteCustomer: (id: number, version: number) => http.del<void>(`/customers/${id}`, { version }),
  contacts: (customerId: number) => http.get<Contact[]>(`/customers/${customerId}/contacts`),
  addContact: (customerId: number, body: ContactInput) => http.post<Contact>(`/customers/${customerId}/contacts`, body),
  updateContact: (id: number, body: ContactInput & { version: number }) => http.put<Contact>(`/contacts/${id}`, body),
  deleteContact: (id: number, version: number) => http.del<void>(`/contacts/${id}`, { version }),

  // Timeline (CRM-2)
  timeline: (customerId: number, q: { contact_id?: number; page?: number; per_page?: number } = {}) =>
    http.get<Page<Activity>>(`/customers/${customerId}/timeline`, { ...q }),
  addActivity: (customerId: number, body: ActivityInput) => http.post<Activity>(`/customers/${customerId}/timeline`, body),

  // Public pool (CRM-4)
  pool: (q: PoolQuery = {}) => http.get<Page<Customer>>('/pool', { ...q }),
  claim: (id: number) => http.post<Customer>(`/customers/${id}/claim`),
  release: (id: number, note?: string) =>
    http.post<Customer>(`/customers/${id}/release`, { note: note || null } satisfies Body<'ReleaseInput'>),
  transfer: (id: number, toUser: number) =>
    http.post<Customer>(`/customers/${id}/transfer`, { to_user: toUser } satisfies Body<'TransferInput'>),
  pools: () => http.get<Pool[]>('/pools'),
  createPool: (body: PoolInput) => http.post<Pool>('/pools', body),
  updatePool: (id: number, body: PoolInput & { version: number }) => http.put<Pool>(`/pools/${id}`, body),

  // Leads and opportunities (CRM-3)
  leads: (q: LeadQuery = {}) => http.get<Page<Lead>>('/leads', { ...q }),
  lead: (id: number) => http.get<Lead>(`/leads/${id}`),
  createLead: (body: LeadInput) => http.post<Lead>('/leads', body),
  updateLead: (id: number, body: LeadInput & { version: number }) => http.put<Lead>(`/leads/${id}`, body),
  deleteLead: (id: number, version: number) => http.del<void>(`/leads/${id}`, { version }),
  assignLead: (id: number, body: AssignInput) => http.post<Lead>(`/leads/${id}/assign`, body),
  convertLead: (id: number, body: ConvertInput) => http.post<ConvertResult>(`/leads/${id}/convert`, body),
  leadTimeline: (id: number, q: { page?: number; per_page?: number } = {}) =>
    http.get<Page<Activity>>(`/leads/${id}/timeline`, { ...q }),
  addLeadActivity: (id: number, body: ActivityInput) => http.post<Activity>(`/leads/${id}/timeline`, body),
  opportunities: (q: OpportunityQuery = {}) => http.get<Opportunity[]>('/opportunities', { ...q }),
  createOpportunity: (body: OpportunityInput) => http.post<Opportunity>('/opportunities', body),
  updateOpportunity: (id: number, body: OpportunityInput & { version: number }) =>
    http.patch<Opportunity>(`/opportunities/${id}`, body),

  // My day, cadence, handover (CRM-5, CRM-6)
  myDay: () => http.get<MyDay>('/my-day'),
  updateTask: (id: number, patch: TaskPatch) => http.patch<Task>(`/tasks/${id}`, patch),
  cadenceRules: () => http.get<CadenceRule[]>('/cadence-rules'),
  createCadenceRule: (body: CadenceRuleInput) => http.post<CadenceRule>('/cadence-rules', body),
  updateCadenceRule: (id: number, body: CadenceRuleInput & { version: number }) =>
    http.put<CadenceRule>(`/cadence-rules/${id}`, body),
  handover: (body: HandoverInput) => http.post<HandoverResult>('/handover', body),
  undoHandover: (id: number) => http.post<HandoverResult>(`/handover/${id}/undo`),
}
