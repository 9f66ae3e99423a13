// Import (CRM-8): only for roles that may import (the server lists crm.import). The export
// menu (views/ExportMenu.vue) sits on the lists it exports.
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'import',
  nav: [
    {
      area: 'crm.import',
      group: 'crm',
      order: 27, // after duplicates
      path: '/crm/import',
      label: 'nav.crm.import',
      view: () => import('./views/ImportView.vue'),
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
