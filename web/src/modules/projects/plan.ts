// The projects screens' logic, kept apart from the components so it is unit-tested: tasks as
// Gantt bars and calendar events, the kanban columns, and mentions in a comment's text.
import type { ProjectTask, Schedule, TaskStatus } from '@/api/projects'
import { TASK_STATUSES } from '@/api/projects'

/** A bar for frappe-gantt: dates as YYYY-MM-DD (its `end` is the last day, inclusive). */
export interface GanttBar {
  id: string
  name: string
  start: string
  end: string
  progress: number
  /** Comma-separated ids of its predecessors (frappe-gantt draws the arrows). */
  dependencies: string
  custom_class: string
}

/** Adds `days` to a YYYY-MM-DD date (UTC arithmetic: no time-zone drift). */
export function addDays(ymd: string, days: number): string {
  const d = new Date(`${ymd}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Whole days from `a` to `b` (both YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000)
}

const PROGRESS: Record<TaskStatus, number> = { todo: 0, doing: 40, review: 80, done: 100 }

/**
 * The dated tasks as Gantt bars, in the given (outline) order. A task with only one date is a
 * one-day bar; a task without dates is left out. Critical tasks (by the schedule), phases (tasks
 * with children) and done tasks get a class (one token: frappe-gantt refuses more); a dependency on an undated task is not drawn.
 */
export function ganttBars(tasks: readonly ProjectTask[], schedule?: Schedule | null): GanttBar[] {
  const critical = new Set(schedule?.critical_path ?? [])
  const parents = new Set(tasks.map((t) => t.parent_id).filter((p): p is number => p != null))
  const dated = tasks.filter((t) => t.start || t.due)
  const shown = new Set(dated.map((t) => t.id))
  return dated.map((t) => {
    const start = (t.start ?? t.due)!
    const end = (t.due ?? t.start)!
    // frappe-gantt takes one class token per bar.
    const phase = parents.has(t.id)
    const cls = critical.has(t.id) ? (phase ? 'bar-critical-phase' : 'bar-critical') : phase ? 'bar-phase' : t.status === 'done' ? 'bar-done' : ''
    return {
      id: String(t.id),
      name: t.title,
      start,
      end: end < start ? start : end,
      progress: PROGRESS[t.status],
      dependencies: t.depends_on
        .map((d) => d.task_id)
        .filter((id) => shown.has(id))
        .join(', '),
      custom_class: cls,
    }
  })
}

/**
 * What the server is asked after a bar was dragged: the new start and due (YYYY-MM-DD). frappe-gantt
 * gives Date objects in local time, the end at the end of the last day (or at midnight after it);
 * both are read as local calendar days.
 */
export function draggedDates(start: Date, end: Date): { start: string; due: string } {
  const ymd = (d: Date) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
  // An end at exactly midnight belongs to the day before.
  const last = new Date(end.getTime() - (end.getHours() === 0 && end.getMinutes() === 0 && end.getSeconds() === 0 ? 1 : 0))
  const s = ymd(start)
  const e = ymd(last)
  return { start: s, due: e < s ? s : e }
}

/**
 * A drag on the Gantt, asked of the server once. frappe-gantt 1.2.2 calls `on_date_change` at
 * every column a dragged bar crosses (from `update_bar_position` on each mousemove), not once
 * on release; asking the server at each call moved a task a day, then a stale version or a
 * redraw lost the rest of the drag. So each call only notes the bar's latest dates, and `finish`
 * (on the mouse's release) gives what changed: one move per task, from its dates before the drag
 * to where it was let go (a bar dropped back where it was is no move).
 */
export class DragMoves {
  private pending = new Map<string, { bar: GanttBar; start: string; due: string }>()

  changed(bar: GanttBar, start: Date, end: Date): void {
    const d = draggedDates(start, end)
    const was = this.pending.get(bar.id)?.bar ?? { ...bar }
    this.pending.set(bar.id, { bar: was, ...d })
  }

  finish(): { id: number; start: string; due: string }[] {
    const out = [...this.pending.values()]
      .filter((m) => m.start !== m.bar.start || m.due !== m.bar.end)
      .map((m) => ({ id: Number(m.bar.id), start: m.start, due: m.due }))
    this.pending.clear()
    return out
  }
}

/** A FullCalendar event: all-day, `end` exclusive (the day after the due date). */
export interface CalendarEvent {
  id: string
  title: string
  start: string
  end?: string
  allDay: true
  classNames: string[]
}

/** Tasks on the calendar by due date (a task without a due date is not shown). */
export function calendarEvents(tasks: readonly ProjectTask[], today: string): CalendarEvent[] {
  return tasks
    .filter((t) => t.due)
    .map((t) => ({
      id: String(t.id),
      title: t.title,
      start: t.due!,
      allDay: true as const,
      classNames: [`task-${t.status}`, t.status !== 'done' && t.due! < today ? 'task-late' : ''].filter(Boolean),
    }))
}

/** The dated tasks as a list for a phone: by start, then due, then title. */
export function datedList(tasks: readonly ProjectTask[]): ProjectTask[] {
  const key = (t: ProjectTask) => t.start ?? t.due ?? '9999-12-31'
  return tasks
    .filter((t) => t.start || t.due)
    .slice()
    .sort((a, b) => key(a).localeCompare(key(b)) || (a.due ?? '').localeCompare(b.due ?? '') || a.title.localeCompare(b.title))
}

export type Columns = Record<TaskStatus, ProjectTask[]>

/** The kanban: a column per status, cards by rank. */
export function columns(tasks: readonly ProjectTask[]): Columns {
  const out = Object.fromEntries(TASK_STATUSES.map((s) => [s, [] as ProjectTask[]])) as Columns
  for (const t of tasks) out[t.status].push(t)
  for (const s of TASK_STATUSES) out[s].sort((a, b) => a.rank - b.rank || a.id - b.id)
  return out
}

/**
 * Moves a card to `index` in column `to` (before the server answers). Returns the new columns and
 * the card it now follows (null: first), or null when the card is not there or does not move.
 */
export function moveCard(cols: Columns, id: number, to: TaskStatus, index: number): { columns: Columns; after: number | null } | null {
  const from = TASK_STATUSES.find((s) => cols[s].some((t) => t.id === id))
  if (!from) return null
  const card = cols[from].find((t) => t.id === id)!
  const next = { ...cols, [from]: cols[from].filter((t) => t.id !== id) } as Columns
  const target = next[to].slice()
  const at = Math.max(0, Math.min(index, target.length))
  if (from === to && cols[from].indexOf(card) === at) return null
  target.splice(at, 0, { ...card, status: to })
  next[to] = target
  return { columns: next, after: at > 0 ? target[at - 1].id : null }
}

/** A piece of a comment: plain text or a mention. */
export type Piece = { text: string } | { mention: { id: number; name: string } }

const MENTION = /@\[([^\]\[\n]*)\]\(user:(\d+)\)/g

/** A comment's text in pieces, mentions (`@[Name](user:12)`) apart, as the server reads them. */
export function pieces(body: string): Piece[] {
  const out: Piece[] = []
  let last = 0
  for (const m of body.matchAll(MENTION)) {
    if (m.index! > last) out.push({ text: body.slice(last, m.index) })
    out.push({ mention: { id: Number(m[2]), name: m[1] } })
    last = m.index! + m[0].length
  }
  if (last < body.length) out.push({ text: body.slice(last) })
  return out
}

/** The ids a text mentions, each once. */
export function mentionedIds(body: string): number[] {
  const ids: number[] = []
  for (const p of pieces(body)) if ('mention' in p && !ids.includes(p.mention.id)) ids.push(p.mention.id)
  return ids
}

/** The token the mention picker inserts for a person (brackets in a name are dropped). */
export function mentionToken(person: { id: number; name: string }): string {
  return `@[${person.name.replace(/[[\]\n]/g, '')}](user:${person.id}) `
}
