// Cadence triggers as the server sends them (externally tagged) ↔ a flat form.
import type { ActivityKind, CadenceTrigger, CadenceTriggerKind } from '@/api/crm'

export interface TriggerForm {
  kind: CadenceTriggerKind
  activity: Exclude<ActivityKind, 'system'>
  amount: string
}

export function triggerToForm(t: CadenceTrigger): TriggerForm {
  const form: TriggerForm = { kind: 'new_customer', activity: 'sample', amount: '' }
  if (typeof t === 'string') form.kind = t
  else if ('activity' in t) {
    form.kind = 'activity'
    form.activity = t.activity.kind === 'system' ? 'sample' : t.activity.kind
  } else if ('annual_purchases_over' in t) {
    form.kind = 'annual_purchases_over'
    form.amount = t.annual_purchases_over.amount
  }
  return form
}

export function formToTrigger(f: TriggerForm): CadenceTrigger {
  switch (f.kind) {
    case 'activity':
      return { activity: { kind: f.activity } }
    case 'annual_purchases_over':
      return { annual_purchases_over: { amount: f.amount.trim() } }
    default:
      return f.kind
  }
}
