// Scheduled backups on the admin's screen (issue 16): state, settings, a backup made now.
import { http } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type BackupStatus = Schemas['BackupStatus']
export type BackupSettingsInput = Schemas['BackupSettingsInput']
export type BackupRun = Schemas['BackupRunView']
export type BackupFile = Schemas['BackupFile']

export const backupsApi = {
  status: () => http.get<BackupStatus>('/backups'),
  saveSettings: (body: BackupSettingsInput) => http.put<BackupStatus>('/backups/settings', body),
  runNow: () => http.post<BackupRun>('/backups/run'),
}
