import { createI18n } from 'vue-i18n'
import zhCN from './locales/zh-CN.json'
import en from './locales/en.json'
import type { Lang } from './api/types'
import { MODULES, mergeMessages } from './modules'

/** Every string of the app: the shell's (locales/) and each module's (modules/<area>/locales/). */
export const MESSAGES = {
  'zh-CN': mergeMessages('zh-CN', zhCN, MODULES),
  en: mergeMessages('en', en, MODULES),
}

export const LANGS: { value: Lang; label: string }[] = [
  { value: 'zh-CN', label: '中文' },
  { value: 'en', label: 'English' },
]

const STORAGE_KEY = 'kontor.lang'

export function normalizeLang(v: string | null | undefined): Lang | null {
  if (!v) return null
  const l = v.toLowerCase()
  if (l.startsWith('zh')) return 'zh-CN'
  if (l.startsWith('en')) return 'en'
  return null
}

/** Before login: the last choice on this browser, else the browser's language, else the fallback. */
export function initialLang(fallback: Lang = 'zh-CN'): Lang {
  let stored: string | null = null
  try {
    stored = localStorage.getItem(STORAGE_KEY)
  } catch {
    stored = null
  }
  const fromBrowser = typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : []
  return normalizeLang(stored) ?? fromBrowser.map(normalizeLang).find((l) => l !== null) ?? fallback
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLang(),
  fallbackLocale: 'en',
  messages: MESSAGES,
  missingWarn: false,
  fallbackWarn: false,
})

export function currentLang(): Lang {
  return i18n.global.locale.value as Lang
}

/** Switch the UI language here (messages, Element Plus via App.vue, <html lang>) and remember it on this browser. */
export function applyLang(lang: Lang): void {
  i18n.global.locale.value = lang
  document.documentElement.lang = lang
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* private mode: nothing to remember */
  }
}
