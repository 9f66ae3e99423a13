// The in-app inbox (AUT-2): everyone's own, reached from the bell in the header.
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'notify',
  nav: [
    {
      area: 'notifications',
      requires: 'home',
      group: 'main',
      path: '/notifications',
      label: 'notify.title',
      menu: false,
      view: () => import('./views/NotificationsView.vue'),
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
