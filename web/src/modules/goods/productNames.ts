// SKUs of products by id, asked once per product and shared by the stock screens (a transfer's
// lines carry only product ids). A product the caller cannot read shows as #id.
import { reactive } from 'vue'
import { salesApi } from '@/api/sales'

const names = reactive<Record<number, string>>({})
const asked = new Set<number>()

export function useProductNames() {
  function ask(id: number) {
    if (asked.has(id)) return
    asked.add(id)
    salesApi
      .product(id)
      .then((p) => (names[id] = `${p.sku} · ${p.name}`))
      .catch(() => (names[id] = `#${id}`))
  }
  /** The product's "SKU · name" (asked for on first use). */
  function nameOf(id: number): string {
    ask(id)
    return names[id] ?? `#${id}`
  }
  /** Remember what a screen already knows. */
  function know(id: number, label: string) {
    asked.add(id)
    names[id] = label
  }
  return { nameOf, know }
}
