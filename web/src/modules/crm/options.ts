// Vocabulary of the CRM screens: the values the server stores, and how they look.
import type { Component } from 'vue'
import { Box, ChatDotRound, EditPen, InfoFilled, Location, Message, Phone, PriceTag, VideoCamera } from '@element-plus/icons-vue'
import type { ActivityKind, CustomerStatus, LeadStatus, Stage } from '@/api/crm'

/** Where customers and leads come from (the demo company uses these keys; any other text is kept as typed). */
export const SOURCES = ['canton_fair', 'exhibition', 'alibaba', 'made_in_china', 'google', 'website', 'linkedin', 'referral', 'email_marketing', 'social_media', 'other'] as const

export const TIERS = ['A', 'B', 'C', 'D'] as const

/** Places in the decision chain. */
export const CONTACT_ROLES = ['buyer', 'boss', 'qc', 'finance', 'engineer', 'designer', 'logistics', 'other'] as const

export const ACTIVITY_ICONS: Record<ActivityKind, Component> = {
  email: Message,
  call: Phone,
  meeting: VideoCamera,
  visit: Location,
  note: EditPen,
  sample: Box,
  quotation: PriceTag,
  chat: ChatDotRound,
  system: InfoFilled,
}

/** A colour per kind, so a timeline can be read at a glance. */
export const ACTIVITY_COLORS: Record<ActivityKind, string> = {
  email: '#409eff',
  call: '#67c23a',
  meeting: '#8e44ad',
  visit: '#e67e22',
  note: '#909399',
  sample: '#d35400',
  quotation: '#c0392b',
  chat: '#16a085',
  system: '#b1b3b8',
}

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const STATUS_TAG: Record<CustomerStatus, TagType> = {
  prospect: 'primary',
  customer: 'success',
  dormant: 'info',
}

export const LEAD_STATUS_TAG: Record<LeadStatus, TagType> = {
  new: 'primary',
  contacted: 'warning',
  qualified: 'success',
  unqualified: 'info',
  converted: 'success',
}

export const STAGE_COLORS: Record<Stage, string> = {
  new: '#909399',
  qualified: '#409eff',
  proposal: '#8e44ad',
  negotiation: '#e6a23c',
  won: '#67c23a',
  lost: '#f56c6c',
}

/** The label of a stored value through i18n when there is one, else the value as typed. */
export function labelOf(t: (k: string) => string, te: (k: string) => boolean, prefix: string, value: string | null | undefined): string {
  if (!value) return ''
  const key = `${prefix}.${value}`
  return te(key) ? t(key) : value
}
