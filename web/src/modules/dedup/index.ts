// Duplicates (CRM-7): find and merge. No area of its own: whoever may open customers opens it.
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'dedup',
  nav: [
    {
      area: 'crm.duplicates',
      requires: 'crm.customers',
      group: 'crm',
      order: 25, // after customers
      path: '/crm/duplicates',
      label: 'nav.crm.duplicates',
      view: () => import('./views/DuplicatesView.vue'),
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
