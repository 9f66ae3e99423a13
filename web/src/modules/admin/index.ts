// Administration (PLT-1, PLT-6, PLT-7, CRM-9): users, teams, roles and permissions, the recycle
// bin, the audit log, company settings and the API reference.
import { Setting } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'admin',
  groups: [{ key: 'admin', label: 'nav.group.admin', icon: Setting }],
  nav: [
    { area: 'admin.users', group: 'admin', path: '/admin/users', label: 'nav.admin.users', view: () => import('./views/UsersView.vue') },
    { area: 'admin.teams', group: 'admin', path: '/admin/teams', label: 'nav.admin.teams', view: () => import('./views/TeamsView.vue') },
    { area: 'admin.roles', group: 'admin', path: '/admin/roles', label: 'nav.admin.roles', view: () => import('./views/RolesView.vue') },
    { area: 'admin.permissions', group: 'admin', path: '/admin/permissions', label: 'nav.admin.permissions', view: () => import('./views/PermissionsView.vue') },
    { area: 'admin.recycle_bin', group: 'admin', path: '/admin/recycle-bin', label: 'nav.admin.recycle_bin', view: () => import('./views/RecycleBinView.vue') },
    { area: 'admin.audit', group: 'admin', path: '/admin/audit', label: 'nav.admin.audit', view: () => import('./views/AuditView.vue') },
    { area: 'admin.company', group: 'admin', path: '/admin/company', label: 'nav.admin.company', view: () => import('./views/CompanyView.vue') },
    { area: 'admin.backups', group: 'admin', path: '/admin/backups', label: 'nav.admin.backups', view: () => import('./views/BackupsView.vue') },
    { area: 'admin.api_docs', group: 'admin', path: '/api-docs.html', label: 'nav.admin.api_docs', href: '/api-docs.html' },
  ],
  routes: [
    { path: '/admin/roles/:id', name: 'admin.roles.edit', component: () => import('./views/RoleEditView.vue'), meta: { area: 'admin.roles' } },
  ],
  targets: {
    user: { area: 'admin.users', to: (r) => ({ path: '/admin/users', query: { q: r.title ?? '', open: String(r.id) } }) },
    team: { area: 'admin.teams', to: (r) => ({ path: '/admin/teams', query: { q: r.title ?? '' } }) },
    role: { area: 'admin.roles', to: (r) => ({ path: `/admin/roles/${r.id}` }) },
    backup_run: { area: 'admin.backups', to: () => ({ path: '/admin/backups' }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
