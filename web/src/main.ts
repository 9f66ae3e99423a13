import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n, currentLang } from './i18n'
import { configureClient } from './api'
import { useSession } from './stores/session'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

document.documentElement.lang = currentLang()

configureClient({
  language: currentLang,
  networkMessage: (status) =>
    status ? i18n.global.t('errors.http', { status }) : i18n.global.t('errors.network'),
  onUnauthorized: () => {
    // The session ended (expired, ended by an admin, or the user logged out elsewhere).
    const session = useSession(pinia)
    session.forget()
    const current = router.currentRoute.value
    if (!current.meta.public) {
      void router.push({ name: 'login', query: { redirect: current.fullPath } })
    }
  },
})

app.mount('#app')
