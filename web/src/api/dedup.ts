// Duplicate check, scan, merge and the admin's rules (CRM-7). Mirrors src/domain/dedup/*.rs.
import { http } from './client'
import type { NamedRef } from './types'

export type RuleAction = 'block' | 'warn' | 'ignore'
export const RULE_ACTIONS: RuleAction[] = ['block', 'warn', 'ignore']
export const RULE_FIELDS = ['name', 'email', 'phone', 'website'] as const
export type RuleField = (typeof RULE_FIELDS)[number]
export type DuplicateRules = Record<RuleField, RuleAction>

export interface DuplicateProbe {
  name?: string
  email?: string
  phone?: string
  website?: string
  country?: string
  exclude_customer?: number
  /** Who the record would belong to (default: the caller). */
  owner_id?: number
}

export interface DuplicateCandidate {
  /** `customer` or `lead`. */
  kind: string
  /** null when the caller may not open it. */
  id: number | null
  /** For a customer the caller may not open: what a transfer request names it by. */
  transfer_ref: string | null
  /** false: the caller may not open it; only that it exists, who owns it and which fields match is told. */
  visible: boolean
  title: string | null
  owner: NamedRef | null
  in_pool: boolean
  in_recycle_bin: boolean
  /** 0 … 1: from 0.85 the same firm, from 0.6 a possible duplicate. */
  score: number
  /** `same`: the same firm (may refuse the save); `possible`: worth a look, never refuses. */
  level: 'same' | 'possible'
  /** Why, strongest first, then what speaks against, in the caller's language. */
  reasons: string[]
  /** The field of the strongest evidence. */
  field: RuleField
  action: RuleAction
  /** What the user can do: open it, claim it from the pool, or ask its owner for a transfer. */
  next: 'open' | 'claim' | 'request_transfer' | null
}

export interface DuplicateCheck {
  candidates: DuplicateCandidate[]
  /** `block` exactly when saving would be refused. */
  verdict: RuleAction
  /** Why saving would be refused, in the caller's language. */
  refusal: string | null
}

export interface DuplicateGroupMember {
  id: number
  name: string
  owner_id: number | null
}

export interface DuplicateGroup {
  customers: DuplicateGroupMember[]
  reasons: string[]
  score: number
}

export interface MergeInput {
  survivor_id: number
  merged_ids: number[]
  /** field → id of the record whose value survives */
  fields: Record<string, number>
}

export interface MergeResult {
  merge_id: number
  survivor_id: number
  moved: number
}

/** The fields a merge may take from another record (src/domain/dedup/merge.rs MERGEABLE). */
export const MERGEABLE_FIELDS = [
  'name',
  'name_alt',
  'country',
  'time_zone',
  'address',
  'website',
  'email',
  'phone',
  'source',
  'tier',
  'tags',
  'purchase_preferences',
  'payment_behaviour',
  'custom',
  'annual_purchases',
] as const
export type MergeableField = (typeof MERGEABLE_FIELDS)[number]

export const dedupApi = {
  check: (probe: DuplicateProbe) => http.get<DuplicateCheck>('/duplicates/check', { ...probe }),
  rules: () => http.get<DuplicateRules>('/duplicates/rules'),
  saveRules: (rules: DuplicateRules) => http.put<DuplicateRules>('/duplicates/rules', rules),
  scan: (limit?: number) => http.get<DuplicateGroup[]>('/duplicates/scan', { limit }),
  merge: (input: MergeInput) => http.post<MergeResult>('/customers/merge', input),
  undo: (mergeId: number) => http.post<MergeResult>(`/merges/${mergeId}/undo`),
}
