import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError } from '@/api/client'
import { notificationApi } from '@/api/notifications'

/** How often the count is asked for while the live stream is down. */
const POLL_MS = 20_000
/** First wait before the stream is tried again (doubles up to RETRY_MAX_MS). */
const RETRY_MS = 15_000
const RETRY_MAX_MS = 5 * 60_000

/**
 * The caller's unread count, live: the server pushes it over server-sent events
 * (/api/v1/notifications/stream); while the stream is down the count is polled, and the stream
 * is tried again later. `changes` goes up whenever the count changes, so open lists reload.
 */
export const useNotifications = defineStore('notifications', () => {
  const unread = ref(0)
  const changes = ref(0)
  const mode = ref<'off' | 'stream' | 'polling'>('off')
  let users = 0
  let source: EventSource | null = null
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let retryMs = RETRY_MS

  function set(n: number) {
    if (n !== unread.value) {
      unread.value = n
      changes.value++
    }
  }

  async function refresh() {
    try {
      set((await notificationApi.unreadCount()).unread)
    } catch (e) {
      // Signed out: the client's 401 handler takes the user to the login page.
      if (e instanceof ApiError && e.status === 401) close()
    }
  }

  function startPolling() {
    if (pollTimer) return
    mode.value = 'polling'
    void refresh()
    pollTimer = setInterval(() => void refresh(), POLL_MS)
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer)
    pollTimer = undefined
  }

  function connect() {
    if (typeof EventSource === 'undefined') {
      startPolling()
      return
    }
    const es = new EventSource(notificationApi.streamUrl())
    source = es
    es.addEventListener('unread', (e) => {
      try {
        set((JSON.parse((e as MessageEvent).data) as { unread: number }).unread)
      } catch {
        return
      }
      retryMs = RETRY_MS
      stopPolling()
      mode.value = 'stream'
    })
    es.onerror = () => {
      // Dropped (server restarted, session ended, a proxy cut it): poll, and try again later.
      es.close()
      if (source !== es) return
      source = null
      startPolling()
      retryTimer = setTimeout(() => {
        retryTimer = undefined
        if (users > 0 && !source) connect()
      }, retryMs)
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
    }
  }

  function close() {
    source?.close()
    source = null
    stopPolling()
    if (retryTimer) clearTimeout(retryTimer)
    retryTimer = undefined
    mode.value = 'off'
  }

  /** Starts following the count (each start is paired with a stop). */
  function start() {
    users++
    if (users === 1) {
      retryMs = RETRY_MS
      connect()
    }
  }

  function stop() {
    users = Math.max(0, users - 1)
    if (users === 0) {
      close()
      unread.value = 0
    }
  }

  return { unread, changes, mode, start, stop, refresh, set }
})
