// Customers, contacts, timeline, leads, opportunities, tasks, the public pool, cadence and
// handover (CRM-1 … CRM-6).
import { User } from '@element-plus/icons-vue'
import { defineModule, type RecordRef } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

const customer = (id: number, query?: Record<string, string>) => (query ? { path: `/crm/customers/${id}`, query } : { path: `/crm/customers/${id}` })
const lead = (id: number) => ({ path: `/crm/leads/${id}` })
/** A record that hangs on a customer or a lead opens there. */
const onLead = (r: RecordRef) => r.parent?.kind === 'lead'
const onCustomer = (r: RecordRef) => r.parent?.kind === 'customer'

export default defineModule({
  key: 'crm',
  groups: [{ key: 'crm', label: 'nav.group.crm', icon: User }],
  nav: [
    { area: 'crm.my_day', group: 'crm', order: 10, landing: true, path: '/crm/my-day', label: 'nav.crm.my_day', view: () => import('./views/MyDayView.vue') },
    { area: 'crm.customers', group: 'crm', order: 20, path: '/crm/customers', label: 'nav.crm.customers', view: () => import('./views/CustomersView.vue') },
    { area: 'crm.pool', group: 'crm', order: 30, path: '/crm/pool', label: 'nav.crm.pool', view: () => import('./views/PoolView.vue') },
    { area: 'crm.leads', group: 'crm', order: 40, path: '/crm/leads', label: 'nav.crm.leads', view: () => import('./views/LeadsView.vue') },
    { area: 'crm.opportunities', group: 'crm', order: 50, path: '/crm/opportunities', label: 'nav.crm.opportunities', view: () => import('./views/OpportunitiesView.vue') },
    { area: 'crm.handover', group: 'crm', order: 60, path: '/crm/handover', label: 'nav.crm.handover', view: () => import('./views/HandoverView.vue') },
    { area: 'crm.settings', group: 'crm', order: 70, path: '/crm/settings', label: 'nav.crm.settings', view: () => import('./views/CrmSettingsView.vue') },
  ],
  routes: [
    { path: '/crm/customers/:id(\\d+)', name: 'crm.customers.detail', component: () => import('./views/CustomerDetailView.vue'), meta: { area: 'crm.customers' } },
    { path: '/crm/leads/:id(\\d+)', name: 'crm.leads.detail', component: () => import('./views/LeadDetailView.vue'), meta: { area: 'crm.leads' } },
    // Finds a contact's customer and opens it there.
    { path: '/crm/contacts/:id(\\d+)', name: 'crm.contacts.open', component: () => import('./views/ContactOpenView.vue'), meta: { area: 'crm.customers' } },
  ],
  targets: {
    customer: { area: 'crm.customers', to: (r) => customer(r.id) },
    // A contact opens at its company (/crm/contacts/:id finds the company when the hit names none).
    contact: { area: 'crm.customers', to: (r) => (onCustomer(r) ? customer(r.parent!.id) : { path: `/crm/contacts/${r.id}` }) },
    // A timeline entry opens its customer (the timeline is that page's first tab) or its lead.
    activity: {
      area: (r) => (onLead(r) ? 'crm.leads' : 'crm.customers'),
      to: (r) => (onLead(r) ? lead(r.parent!.id) : onCustomer(r) ? customer(r.parent!.id) : null),
    },
    lead: { area: 'crm.leads', to: (r) => lead(r.id) },
    // An opportunity opens on its customer's opportunities tab, else on the board.
    opportunity: {
      area: (r) => (onCustomer(r) ? 'crm.customers' : 'crm.opportunities'),
      to: (r) => (onCustomer(r) ? customer(r.parent!.id, { tab: 'opportunities' }) : { path: '/crm/opportunities' }),
    },
    // A task opens what it is about; one about nothing is on My day.
    task: {
      area: (r) => (onCustomer(r) ? 'crm.customers' : onLead(r) ? 'crm.leads' : 'crm.my_day'),
      to: (r) => (onCustomer(r) ? customer(r.parent!.id) : onLead(r) ? lead(r.parent!.id) : { path: '/crm/my-day' }),
    },
    // Requests are decided (and the requester's own followed) on My day.
    transfer_request: { area: 'crm.my_day', to: () => ({ path: '/crm/my-day' }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
