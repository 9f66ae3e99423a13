import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { NAV, areaOf, canOpen, firstAllowedPath, landingPath } from '@/nav'
import { MODULES } from '@/modules'
import { useSession } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Area key from me.areas that must be allowed to open the route. */
    area?: string
    /** Reachable without signing in. */
    public?: boolean
  }
}

// The screens of every module (modules/index.ts): its menu items, then the screens reached from
// a list; then the app's own pages.
const frameChildren: RouteRecordRaw[] = [
  ...NAV.filter((i) => i.view).map(
    (i): RouteRecordRaw => ({
      path: i.path,
      name: i.area,
      component: i.view!,
      meta: { area: areaOf(i) },
    }),
  ),
  ...MODULES.flatMap((m) => m.routes ?? []),
  { path: '/forbidden', name: 'forbidden', component: () => import('@/views/ForbiddenView.vue') },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
]

const routes: RouteRecordRaw[] = [
  { path: '/setup', name: 'setup', component: () => import('@/views/SetupView.vue'), meta: { public: true } },
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  { path: '/', component: () => import('@/layouts/AppFrame.vue'), children: frameChildren },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to, from) => {
  const session = useSession()
  if (!session.info) {
    try {
      await session.loadInfo()
    } catch {
      // The server is unreachable: let the login page show the error when the user tries.
    }
  }
  if (session.info?.setup_required) return to.name === 'setup' ? true : { name: 'setup' }
  if (to.name === 'setup') return { name: 'login' }

  if (!session.meLoaded) {
    try {
      await session.loadMe()
    } catch {
      session.forget()
    }
  }
  if (to.meta.public) {
    return session.me && to.name === 'login' ? { path: '/' } : true
  }
  if (!session.me) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  // Arriving (a fresh page load, or just logged in / set up) at home: land on My day if the user has it.
  const arriving = from.matched.length === 0 || from.name === 'login' || from.name === 'setup'
  if (to.path === '/' && arriving) {
    const landing = landingPath(session.areas)
    if (landing !== '/') return { path: landing }
  }
  if (!canOpen(session.areas, to.meta.area)) {
    if (to.path === '/') {
      const first = firstAllowedPath(session.areas)
      if (first && first !== '/') return { path: first }
    }
    return { name: 'forbidden', query: { from: to.fullPath } }
  }
  return true
})
