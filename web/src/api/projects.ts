// Projects (PRJ-1 … PRJ-5): projects, their tasks and schedule, templates, my tasks and a task's
// conversation. The shapes come from the server's OpenAPI document (`schema.d.ts`).
import { http } from './client'
import type { Page } from './types'
import type { components } from './schema'

type Schemas = components['schemas']

export type Project = Schemas['ProjectView']
export type ProjectInput = Schemas['ProjectInput']
export type ProjectStatus = Schemas['ProjectStatus']
export const PROJECT_STATUSES: ProjectStatus[] = ['planning', 'active', 'on_hold', 'done', 'cancelled']
export type ProjectTask = Schemas['ProjectTaskView']
export type TaskInput = Schemas['TaskInput']
export type TaskStatus = Schemas['TaskStatus']
export const TASK_STATUSES: TaskStatus[] = ['todo', 'doing', 'review', 'done']
export type Priority = Schemas['Priority']
export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent']
export type Difficulty = Schemas['Difficulty']
export const DIFFICULTIES: Difficulty[] = ['high', 'medium', 'low']
export type Dependency = Schemas['Dependency']
export type Schedule = Schemas['Schedule']
export type MyTask = Schemas['MyTask']
export type Template = Schemas['TemplateView']
export type FromTemplateInput = Schemas['FromTemplateInput']
export type Comment = Schemas['CommentView']
export type Reaction = Schemas['ReactionView']
/** The emoji the server accepts (`talk::EMOJI`). */
export const EMOJI = ['👍', '👏', '🎉', '❤️', '😄', '😮', '😢', '🚀', '👀', '✅'] as const

export interface ProjectQuery {
  status?: string
  q?: string
  page?: number
  per_page?: number
}
export interface TaskQuery {
  status?: TaskStatus
  assignee?: number
  tag?: string
}

export const projectsApi = {
  list: (q: ProjectQuery = {}) => http.get<Page<Project>>('/projects', { ...q }),
  get: (id: number) => http.get<Project>(`/projects/${id}`),
  create: (body: ProjectInput) => http.post<Project>('/projects', body),
  update: (id: number, body: ProjectInput) => http.patch<Project>(`/projects/${id}`, body),
  schedule: (id: number) => http.get<Schedule>(`/projects/${id}/schedule`),
  tasks: (id: number, q: TaskQuery = {}) => http.get<Page<ProjectTask>>(`/projects/${id}/tasks`, { ...q }),
  createTask: (id: number, body: TaskInput) => http.post<ProjectTask>(`/projects/${id}/tasks`, body),
  task: (id: number) => http.get<ProjectTask>(`/project-tasks/${id}`),
  updateTask: (id: number, body: TaskInput) => http.patch<ProjectTask>(`/project-tasks/${id}`, body),
  /** Kanban: into a status column after another card (none: first). */
  moveTask: (id: number, body: { status: TaskStatus; after_id?: number | null; version?: number }) =>
    http.post<ProjectTask>(`/project-tasks/${id}/move`, body),
  myTasks: (includeDone = false) => http.get<Page<MyTask>>('/my/tasks', { include_done: includeDone, per_page: 100 }),
  templates: () => http.get<Page<Template>>('/project-templates'),
  fromTemplate: (body: FromTemplateInput) => http.post<Project>('/projects/from-template', body),
  saveAsTemplate: (id: number, body: { name_zh?: string | null; name_en?: string | null }) =>
    http.post<Template>(`/projects/${id}/save-as-template`, body),
  comments: (task: number) => http.get<Comment[]>(`/project-tasks/${task}/comments`),
  comment: (task: number, body: string) => http.post<Comment>(`/project-tasks/${task}/comments`, { body }),
  react: (task: number, emoji: string, commentId?: number) =>
    http.post<Reaction[]>(`/project-tasks/${task}/reactions`, commentId ? { emoji, comment_id: commentId } : { emoji }),
  rate: (task: number, level: Difficulty | null) => http.put<ProjectTask>(`/project-tasks/${task}/difficulty`, { level }),
}
