import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError } from '@/api'
import type { Lang, Me, MePatch, PublicInfo, SetupRequest } from '@/api'
import { applyLang, currentLang, normalizeLang } from '@/i18n'
import { browserTimeZone } from '@/time'

export const useSession = defineStore('session', () => {
  const info = ref<PublicInfo | null>(null)
  const me = ref<Me | null>(null)
  /** Whether /me has been asked since the page loaded (or since the last login/logout). */
  const meLoaded = ref(false)

  const areas = computed(() => me.value?.areas ?? [])
  const timeZone = computed(() => me.value?.time_zone || browserTimeZone())
  const companyName = computed(() => me.value?.company.name ?? info.value?.company_name ?? '')
  const lang = computed(() => currentLang())

  async function loadInfo(): Promise<PublicInfo> {
    info.value = await api.publicInfo()
    return info.value
  }

  function setMe(m: Me | null) {
    me.value = m
    meLoaded.value = true
    if (m) {
      const l = normalizeLang(m.language)
      if (l && l !== currentLang()) applyLang(l)
    }
  }

  async function loadMe(): Promise<Me | null> {
    try {
      setMe(await api.me())
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null)
      else throw e
    }
    return me.value
  }

  async function login(username: string, password: string) {
    setMe(await api.login(username, password))
  }

  async function setup(req: SetupRequest) {
    setMe(await api.setup(req))
    if (info.value) {
      info.value = { ...info.value, setup_required: false, company_name: req.company.name }
    }
  }

  async function logout() {
    try {
      await api.logout()
    } finally {
      forget()
    }
  }

  /** Drop the signed-in user (after logout or when the server answered 401). */
  function forget() {
    me.value = null
    meLoaded.value = true
  }

  async function updateMe(patch: MePatch) {
    setMe(await api.updateMe(patch))
  }

  /** The language switch: applied at once, and saved to the user's profile when signed in. */
  async function setLanguage(l: Lang) {
    applyLang(l)
    if (me.value && me.value.language !== l) {
      setMe(await api.updateMe({ language: l }))
    }
  }

  return {
    info,
    me,
    meLoaded,
    areas,
    timeZone,
    companyName,
    lang,
    loadInfo,
    loadMe,
    login,
    setup,
    logout,
    forget,
    updateMe,
    setLanguage,
  }
})
