import { useI18n } from 'vue-i18n'
import { countryName } from '@/countries'
import { formatMoney } from '@/modules/crm/money'
import { formatYmd } from '@/time'
import { labelOf } from '@/modules/crm/options'

/** Labels and formats of the CRM screens, in the viewer's language. */
export function useCrm() {
  const { t, te, locale } = useI18n()
  const lbl = (prefix: string, v: string | null | undefined) => labelOf(t, te, prefix, v)
  return {
    money: (amount: string | null | undefined, currency: string, compact = false) => formatMoney(amount, currency, locale.value, compact),
    ymd: (d: string | null | undefined, weekday = false) => formatYmd(d, locale.value, weekday),
    country: (code: string | null | undefined) => countryName(code, locale.value),
    source: (v: string | null | undefined) => lbl('crm.sources', v),
    role: (v: string | null | undefined) => lbl('crm.roles', v),
    status: (v: string | null | undefined) => lbl('crm.status', v),
    leadStatus: (v: string | null | undefined) => lbl('crm.lead_status', v),
    stage: (v: string | null | undefined) => lbl('crm.stages', v),
    kind: (v: string | null | undefined) => lbl('crm.kinds', v),
  }
}
