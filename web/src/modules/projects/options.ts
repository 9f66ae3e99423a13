// Colours of the projects screens' statuses (Element Plus tag types).
import type { Difficulty, ProjectStatus, TaskStatus } from '@/api/projects'

type Tag = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const STATUS_TAG: Record<ProjectStatus, Tag> = { planning: 'info', active: 'primary', on_hold: 'warning', done: 'success', cancelled: 'info' }
export const TASK_TAG: Record<TaskStatus, Tag> = { todo: 'info', doing: 'primary', review: 'warning', done: 'success' }
export const TASK_COLOR: Record<TaskStatus, string> = { todo: '#909399', doing: '#409eff', review: '#e6a23c', done: '#67c23a' }
export const DIFFICULTY_TAG: Record<Difficulty, Tag> = { high: 'danger', medium: 'warning', low: 'success' }
