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

export * from './types'
export { ApiError, configureClient } from './client'

const enc = encodeURIComponent

export const api = {
  publicInfo: () => http.get<PublicInfo>('/public/info'),
  setup: (body: SetupRequest) => http.post<Me>('/setup', body, { allow401: true }),

  login: (username: string, password: string) =>
    http.post<Me>('/auth/login', { username, password }, { allow401: true }),
  logout: () => http.post<void>('/auth/logout', undefined, { allow401: true }),

  /** The signed-in user; a 401 here only means "not signed in". */
  me: () => http.get<Me>('/me', undefined, { allow401: true }),
  updateMe: (patch: MePatch) => http.patch<Me>('/me', patch),
  changePassword: (current_password: string, new_password: string) =>
    http.post<void>('/me/password', { current_password, new_password }),

  users: (q: { q?: string; page?: number; per_page?: number } = {}) => http.get<Page<User>>('/users', q),
  createUser: (body: UserCreate) => http.post<User>('/users', body),
  updateUser: (id: number, patch: UserPatch) => http.patch<User>(`/users/${id}`, patch),
  endSessions: (id: number) => http.post<void>(`/users/${id}/end-sessions`),
  userPermissions: (id: number) => http.get<Permissions>(`/users/${id}/permissions`),

  teams: () => http.get<Page<Team>>('/teams'),
  createTeam: (body: { name: string; leader_id?: number | null }) => http.post<Team>('/teams', body),
  updateTeam: (id: number, patch: { version: number; name?: string; leader_id?: number | null }) =>
    http.patch<Team>(`/teams/${id}`, patch),
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
}
