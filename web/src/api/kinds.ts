// The server's record kinds (GET /api/v1/kinds): which module each belongs to, its name in the
// caller's language, and whether the global search finds it.
import { http } from './client'

export interface KindInfo {
  kind: string
  /** The permission module (crm, users, settings …). */
  module: string
  /** Its name in the caller's language. */
  name: string
  searchable: boolean
}

export const kindsApi = {
  list: () => http.get<KindInfo[]>('/kinds'),
}
