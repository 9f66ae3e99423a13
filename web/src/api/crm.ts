// Types of the CRM part of the API (CRM-1 … CRM-6): customers, contacts, timeline, pool, leads,
// opportunities, tasks (My day), cadence rules and handover. Mirrors src/domain/crm/*.rs.
import type { Attachment } from './files'
import type { NamedRef } from './types'

export type CustomerStatus = 'prospect' | 'customer' | 'dormant'
export const CUSTOMER_STATUSES: CustomerStatus[] = ['prospect', 'customer', 'dormant']

export interface Customer {
  id: number
  name: string
  name_alt: string | null
  country: string | null
  /** The country in the viewer's language (from the server). */
  country_name: string | null
  /** The buyer's zone (set, or from the country). */
  time_zone: string | null
  /** The buyer's local time when the server answered, RFC 3339 with offset. */
  local_time: string | null
  address: string | null
  website: string | null
  email: string | null
  phone: string | null
  source: string | null
  tier: string | null
  tags: string[]
  owner: NamedRef | null
  team_id: number | null
  pool_id: number | null
  in_pool: boolean
  purchase_preferences: string | null
  payment_behaviour: string | null
  custom: Record<string, string>
  status: CustomerStatus
  locked: boolean
  key_account: boolean
  last_followup_at: string | null
  last_deal_at: string | null
  owned_since: string | null
  /** Decimal as a string. */
  annual_purchases: string | null
  created_at: string
  updated_at: string
  version: number
}

export interface ContactInput {
  /** Required when changing a contact. */
  version?: number
  name: string
  role?: string | null
  title?: string | null
  phones: string[]
  emails: string[]
  whatsapp?: string | null
  wechat?: string | null
  skype?: string | null
  /** YYYY-MM-DD */
  birthday?: string | null
  notes?: string | null
}

export interface Contact {
  id: number
  customer_id: number
  name: string
  role: string | null
  title: string | null
  phones: string[]
  emails: string[]
  whatsapp: string | null
  wechat: string | null
  skype: string | null
  birthday: string | null
  notes: string | null
  primary: boolean
  version: number
}

export interface CustomerInput {
  name: string
  name_alt?: string | null
  country?: string | null
  time_zone?: string | null
  address?: string | null
  website?: string | null
  email?: string | null
  phone?: string | null
  source?: string | null
  tier?: string | null
  tags?: string[]
  owner_id?: number | null
  purchase_preferences?: string | null
  payment_behaviour?: string | null
  custom?: Record<string, string>
  locked?: boolean
  key_account?: boolean
  contacts?: ContactInput[]
}

/** Absent fields stay; an empty string clears a text field. */
export interface CustomerPatch {
  version: number
  name?: string
  name_alt?: string
  country?: string
  time_zone?: string
  address?: string
  website?: string
  email?: string
  phone?: string
  source?: string
  tier?: string
  tags?: string[]
  purchase_preferences?: string
  payment_behaviour?: string
  custom?: Record<string, string>
  status?: CustomerStatus
  locked?: boolean
  key_account?: boolean
  annual_purchases?: string
}

export type CustomerScope = 'mine' | 'team' | 'all'
export type CustomerSort = 'updated' | 'name' | 'last_followup' | 'created'

export interface CustomerQuery {
  q?: string
  owner_id?: number
  team_id?: number
  country?: string
  tier?: string
  tag?: string
  source?: string
  status?: CustomerStatus
  scope?: CustomerScope
  sort?: CustomerSort
  order?: 'asc' | 'desc'
  page?: number
  per_page?: number
}

export type ActivityKind = 'email' | 'call' | 'meeting' | 'visit' | 'note' | 'sample' | 'quotation' | 'chat' | 'system'
/** The kinds a person may log (system entries are written by Kontor). */
export const LOGGABLE_KINDS: Exclude<ActivityKind, 'system'>[] = [
  'email',
  'call',
  'meeting',
  'visit',
  'note',
  'sample',
  'quotation',
  'chat',
]

export interface Activity {
  id: number
  kind: ActivityKind
  occurred_at: string
  author: NamedRef | null
  subject: string
  body: string | null
  contact: NamedRef | null
  customer_id: number | null
  lead_id: number | null
  follow_up_on: string | null
  /** Files attached to the entry. */
  attachments?: Attachment[]
}

export interface ActivityInput {
  kind: Exclude<ActivityKind, 'system'>
  subject: string
  body?: string | null
  contact_id?: number | null
  occurred_at?: string | null
  /** YYYY-MM-DD: becomes a task for the owner. */
  follow_up_on?: string | null
}

export interface PoolQuery {
  pool_id?: number
  q?: string
  country?: string
  page?: number
  per_page?: number
}

export interface Pool {
  id: number
  name: string
  return_no_followup_days: number | null
  return_no_deal_days: number | null
  protection_days: number | null
  warn_days: number
  max_held_per_rep: number | null
  max_claims_per_day: number | null
  cooldown_days: number
  team_ids: number[]
  is_default: boolean
  customer_count: number
  version: number
}

export interface PoolInput {
  version?: number
  name: string
  return_no_followup_days: number | null
  return_no_deal_days: number | null
  protection_days: number | null
  warn_days: number
  max_held_per_rep: number | null
  max_claims_per_day: number | null
  cooldown_days: number
  team_ids: number[]
  is_default: boolean
}

export type LeadStatus = 'new' | 'contacted' | 'qualified' | 'unqualified' | 'converted'
export const LEAD_STATUSES: LeadStatus[] = ['new', 'contacted', 'qualified', 'unqualified', 'converted']
export type LeadScope = 'mine' | 'team' | 'all' | 'pool'

export interface Lead {
  id: number
  company: string
  contact_name: string | null
  email: string | null
  phone: string | null
  country: string | null
  website: string | null
  source: string | null
  status: LeadStatus
  owner: NamedRef | null
  in_pool: boolean
  notes: string | null
  converted_customer_id: number | null
  created_at: string
  version: number
}

export interface LeadInput {
  version?: number
  company: string
  contact_name?: string | null
  email?: string | null
  phone?: string | null
  country?: string | null
  website?: string | null
  source?: string | null
  status?: LeadStatus | null
  to_pool?: boolean
  notes?: string | null
}

export interface LeadQuery {
  q?: string
  status?: LeadStatus
  scope?: LeadScope
  page?: number
  per_page?: number
}

export interface AssignInput {
  user_id?: number
  team_id?: number
}

export interface ConvertInput {
  opportunity_title?: string | null
  amount?: string | null
  currency?: string | null
}

export interface ConvertResult {
  customer: Customer
  opportunity_id: number
}

export type Stage = 'new' | 'qualified' | 'proposal' | 'negotiation' | 'won' | 'lost'
export const STAGES: Stage[] = ['new', 'qualified', 'proposal', 'negotiation', 'won', 'lost']

export interface Opportunity {
  id: number
  customer_id: number
  customer_name: string
  title: string
  stage: Stage
  /** Decimal as a string. */
  amount: string | null
  currency: string
  expected_close: string | null
  owner: NamedRef | null
  version: number
}

export interface OpportunityInput {
  version?: number
  customer_id?: number
  title?: string
  stage?: Stage
  amount?: string | null
  currency?: string
  expected_close?: string | null
}

export interface OpportunityQuery {
  customer_id?: number
  stage?: Stage
  scope?: CustomerScope
}

export type TaskSource = 'follow_up' | 'cadence' | 'pool_warning' | 'manual'

export interface Task {
  id: number
  title: string
  due_on: string
  done_at: string | null
  customer_id: number | null
  customer_name: string | null
  lead_id: number | null
  source: TaskSource
  version: number
}

export interface MyDay {
  /** The viewer's date today, YYYY-MM-DD. */
  today: string
  overdue: Task[]
  due_today: Task[]
  upcoming: Task[]
  pool_warnings: Task[]
}

export interface TaskPatch {
  version: number
  done?: boolean
  due_on?: string
  title?: string
}

/** Externally tagged, as the server sends it. */
export type CadenceTrigger =
  | 'new_customer'
  | 'after_deal'
  | 'dormant'
  | { activity: { kind: ActivityKind } }
  | { annual_purchases_over: { amount: string } }

export type CadenceTriggerKind = 'new_customer' | 'activity' | 'after_deal' | 'annual_purchases_over' | 'dormant'
export const CADENCE_TRIGGERS: CadenceTriggerKind[] = [
  'new_customer',
  'activity',
  'after_deal',
  'annual_purchases_over',
  'dormant',
]

export interface CadenceRule {
  id: number
  name: string
  trigger: CadenceTrigger
  days: number
  task_title: string
  active: boolean
  version: number
}

export interface CadenceRuleInput {
  version?: number
  name: string
  trigger: CadenceTrigger
  days: number
  task_title: string
  active: boolean
}

export interface HandoverInput {
  from_user: number
  to_user: number
  dry_run?: boolean
  kinds?: string[]
  only?: Record<string, number[]>
}

export interface HandoverCount {
  kind: string
  /** The kind in the caller's language. */
  name: string
  count: number
}

export interface HandoverResult {
  id: number | null
  dry_run: boolean
  counts: HandoverCount[]
}
