import { ref } from 'vue'

const QUERY = '(max-width: 767px)'
const isMobile = ref(false)
let started = false

/** True on a phone-sized screen: lists become cards, the menu a drawer, dialogs full screen. */
export function useMobile() {
  if (!started && typeof window !== 'undefined' && window.matchMedia) {
    started = true
    const mq = window.matchMedia(QUERY)
    isMobile.value = mq.matches
    mq.addEventListener('change', (e) => (isMobile.value = e.matches))
  }
  return isMobile
}
