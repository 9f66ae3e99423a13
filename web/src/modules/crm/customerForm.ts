// The customer and contact forms: what the user types ↔ what the API takes.
import type { Contact, ContactInput, Customer, CustomerInput, CustomerPatch } from '@/api/crm'

export interface ContactForm {
  id?: number
  version?: number
  name: string
  role: string
  title: string
  phones: string[]
  emails: string[]
  whatsapp: string
  wechat: string
  skype: string
  birthday: string
  notes: string
}

export function blankContact(): ContactForm {
  return { name: '', role: '', title: '', phones: [''], emails: [''], whatsapp: '', wechat: '', skype: '', birthday: '', notes: '' }
}

export function contactToForm(c: Contact): ContactForm {
  return {
    id: c.id,
    version: c.version,
    name: c.name,
    role: c.role ?? '',
    title: c.title ?? '',
    phones: c.phones.length ? [...c.phones] : [''],
    emails: c.emails.length ? [...c.emails] : [''],
    whatsapp: c.whatsapp ?? '',
    wechat: c.wechat ?? '',
    skype: c.skype ?? '',
    birthday: c.birthday ?? '',
    notes: c.notes ?? '',
  }
}

const orNull = (s: string) => (s.trim() ? s.trim() : null)

/**
 * The contact as the API takes it. Phones and e-mails keep their positions (an empty row stays as
 * an empty string, which the server skips) so that a server error on `emails[1]` lands under the
 * second e-mail box the user sees.
 */
export function contactInput(f: ContactForm): ContactInput {
  const keep = (list: string[]) => {
    const trimmed = list.map((x) => x.trim())
    while (trimmed.length && !trimmed[trimmed.length - 1]) trimmed.pop()
    return trimmed
  }
  return {
    ...(f.version !== undefined ? { version: f.version } : {}),
    name: f.name.trim(),
    role: orNull(f.role),
    title: orNull(f.title),
    phones: keep(f.phones),
    emails: keep(f.emails),
    whatsapp: orNull(f.whatsapp),
    wechat: orNull(f.wechat),
    skype: orNull(f.skype),
    birthday: f.birthday || null,
    notes: orNull(f.notes),
  }
}

/** Is the contact row still untouched (a blank row the user added and left)? */
export function contactIsBlank(f: ContactForm): boolean {
  const i = contactInput(f)
  return !i.name && !i.role && !i.title && !i.phones.length && !i.emails.length && !i.whatsapp && !i.wechat && !i.skype && !i.birthday && !i.notes
}

export interface CustomerForm {
  name: string
  name_alt: string
  country: string
  time_zone: string
  address: string
  website: string
  email: string
  phone: string
  source: string
  tier: string
  tags: string[]
  owner_id: number | null
  purchase_preferences: string
  payment_behaviour: string
  status: Customer['status']
  locked: boolean
  key_account: boolean
  annual_purchases: string
  /** The firm's own fields ("HS code range", "Incoterm"), as rows. */
  custom: { key: string; value: string }[]
}

export function blankCustomer(): CustomerForm {
  return {
    name: '',
    name_alt: '',
    country: '',
    time_zone: '',
    address: '',
    website: '',
    email: '',
    phone: '',
    source: '',
    tier: '',
    tags: [],
    owner_id: null,
    purchase_preferences: '',
    payment_behaviour: '',
    status: 'prospect',
    locked: false,
    key_account: false,
    annual_purchases: '',
    custom: [],
  }
}

export function customerToForm(c: Customer): CustomerForm {
  return {
    name: c.name,
    name_alt: c.name_alt ?? '',
    country: c.country ?? '',
    time_zone: c.time_zone ?? '',
    address: c.address ?? '',
    website: c.website ?? '',
    email: c.email ?? '',
    phone: c.phone ?? '',
    source: c.source ?? '',
    tier: c.tier ?? '',
    tags: [...c.tags],
    owner_id: c.owner?.id ?? null,
    purchase_preferences: c.purchase_preferences ?? '',
    payment_behaviour: c.payment_behaviour ?? '',
    status: c.status,
    locked: c.locked,
    key_account: c.key_account,
    annual_purchases: c.annual_purchases ?? '',
    custom: Object.entries(c.custom).map(([key, value]) => ({ key, value })),
  }
}

/** Custom field rows as the API takes them: empty keys dropped, the last row of a key wins. */
export function customMap(rows: { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const r of rows) {
    const k = r.key.trim()
    if (k) out[k] = r.value.trim()
  }
  return out
}

/** A new customer with its contacts (blank contact rows are left out, but the others keep their index). */
export function customerInput(f: CustomerForm, contacts: ContactForm[]): CustomerInput {
  return {
    name: f.name.trim(),
    name_alt: orNull(f.name_alt),
    country: orNull(f.country),
    time_zone: orNull(f.time_zone),
    address: orNull(f.address),
    website: orNull(f.website),
    email: orNull(f.email),
    phone: orNull(f.phone),
    source: orNull(f.source),
    tier: orNull(f.tier),
    tags: f.tags.map((t) => t.trim()).filter(Boolean),
    ...(f.owner_id ? { owner_id: f.owner_id } : {}),
    purchase_preferences: orNull(f.purchase_preferences),
    payment_behaviour: orNull(f.payment_behaviour),
    locked: f.locked,
    key_account: f.key_account,
    contacts: contacts.filter((c) => !contactIsBlank(c)).map(contactInput),
  }
}

/**
 * A server error on `contacts[N]…` names the N-th contact sent; blank rows were not sent, so map it
 * back to the row the user sees. Other fields pass unchanged.
 */
export function formFieldOf(field: string, contacts: ContactForm[]): string {
  const m = /^contacts\[(\d+)\](.*)$/.exec(field)
  if (!m) return field
  let n = Number(m[1])
  for (let i = 0; i < contacts.length; i++) {
    if (contactIsBlank(contacts[i])) continue
    if (n === 0) return `contacts[${i}]${m[2]}`
    n--
  }
  return field
}

/** Only what changed, as the PATCH takes it (an empty string clears a text field). */
export function customerPatch(before: Customer, f: CustomerForm): CustomerPatch {
  const old = customerToForm(before)
  const patch: CustomerPatch = { version: before.version }
  const text = ['name', 'name_alt', 'country', 'time_zone', 'address', 'website', 'email', 'phone', 'source', 'tier', 'purchase_preferences', 'payment_behaviour', 'annual_purchases'] as const
  for (const k of text) {
    const v = f[k].trim()
    if (v !== old[k].trim()) (patch as unknown as Record<string, string>)[k] = v
  }
  const tags = f.tags.map((t) => t.trim()).filter(Boolean)
  if (tags.join('\u0000') !== old.tags.join('\u0000')) patch.tags = tags
  if (f.status !== old.status) patch.status = f.status
  if (f.locked !== old.locked) patch.locked = f.locked
  if (f.key_account !== old.key_account) patch.key_account = f.key_account
  const custom = customMap(f.custom)
  if (JSON.stringify(custom) !== JSON.stringify(customMap(old.custom))) patch.custom = custom
  return patch
}

export function patchIsEmpty(p: CustomerPatch): boolean {
  return Object.keys(p).length === 1
}

/** The fields the contact form shows an error under (`prefix` is "" or "contacts[1]."). */
export function isContactField(field: string, prefix = ''): boolean {
  if (!field.startsWith(prefix)) return false
  return /^(name|role|title|birthday|whatsapp|wechat|skype|notes|phones\[\d+\]|emails\[\d+\])$/.test(field.slice(prefix.length))
}
