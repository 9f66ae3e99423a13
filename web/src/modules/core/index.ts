// Home and the user's own profile: every signed-in user has them.
import { House } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'core',
  groups: [{ key: 'main', label: 'nav.group.main', icon: House }],
  nav: [
    { area: 'home', group: 'main', path: '/', label: 'nav.home', view: () => import('./views/HomeView.vue') },
    // Reached from the user menu in the header.
    { area: 'profile', group: 'main', path: '/profile', label: 'nav.profile', menu: false, view: () => import('./views/ProfileView.vue') },
  ],
  messages: { 'zh-CN': zhCN, en },
})
