import { useI18n } from 'vue-i18n'
import { useSession } from '@/stores/session'
import { formatDate, formatDateTime, formatRelative, formatTime, type Instant } from '@/time'

/** Formatting bound to the viewer: their time zone and UI language. */
export function useFormat() {
  const session = useSession()
  const { locale } = useI18n()
  return {
    dateTime: (v: Instant | null | undefined) => formatDateTime(v, session.timeZone, locale.value),
    date: (v: Instant | null | undefined) => formatDate(v, session.timeZone, locale.value),
    time: (v: Instant | null | undefined) => formatTime(v, session.timeZone, locale.value),
    relative: (v: Instant | null | undefined) => formatRelative(v, locale.value),
  }
}
