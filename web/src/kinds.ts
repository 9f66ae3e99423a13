// The server's record kinds, asked once per language and shared by every screen that names kinds
// (the audit log's filter, the global search's labels, the recycle bin). While the server does
// not answer (an older server, an error), screens fall back to the names records carry themselves
// (`kind_name`) and then to the kind's key.
import { computed, reactive, watch } from 'vue'
import { kindsApi, type KindInfo } from '@/api/kinds'
import { i18n } from '@/i18n'

export type { KindInfo }

/** After a failure, ask again at most this often. */
const RETRY_MS = 60_000

const state = reactive({
  byLang: {} as Record<string, KindInfo[]>,
  failedAt: {} as Record<string, number>,
})
const pending = new Map<string, Promise<void>>()

/** Loads the kinds in `lang` unless they are loaded or being loaded (or failed a moment ago). */
export function loadKinds(lang: string, fetch: () => Promise<KindInfo[]> = kindsApi.list): Promise<void> {
  if (state.byLang[lang]) return Promise.resolve()
  const failed = state.failedAt[lang]
  if (failed && Date.now() - failed < RETRY_MS) return Promise.resolve()
  const running = pending.get(lang)
  if (running) return running
  const p = fetch()
    .then((list) => {
      state.byLang[lang] = Array.isArray(list) ? list : []
      delete state.failedAt[lang]
    })
    .catch(() => {
      state.failedAt[lang] = Date.now()
    })
    .finally(() => pending.delete(lang))
  pending.set(lang, p)
  return p
}

/** Forget what was loaded (tests; a new server). */
export function resetKinds(): void {
  state.byLang = {}
  state.failedAt = {}
  pending.clear()
}

/** The kinds in the current UI language; call from a component's setup. */
export function useKinds() {
  const lang = computed(() => i18n.global.locale.value as string)
  watch(lang, (l) => void loadKinds(l), { immediate: true })
  const list = computed<KindInfo[]>(() => state.byLang[lang.value] ?? [])
  const byKind = computed(() => new Map(list.value.map((k) => [k.kind, k])))
  return {
    /** Every record kind, in the server's order; empty until (or unless) the server answers. */
    list,
    /** Whether the server answered. */
    loaded: computed(() => lang.value in state.byLang),
    /** A kind's name: the server's, else the record's own `kind_name`, else the key. */
    name: (kind: string, fallback?: string | null): string => byKind.value.get(kind)?.name || fallback || kind,
  }
}
