import { describe, expect, it } from 'vitest'
import type { ProjectTask } from '@/api/projects'
import { DragMoves, addDays, calendarEvents, columns, datedList, draggedDates, ganttBars, mentionToken, mentionedIds, moveCard, pieces } from './plan'

function task(id: number, over: Partial<ProjectTask> = {}): ProjectTask {
  return {
    id,
    project_id: 1,
    parent_id: null,
    title: `T${id}`,
    assignees: [],
    start: null,
    due: null,
    estimate_hours: null,
    spent_hours: '0',
    priority: 'normal',
    tags: [],
    status: 'todo',
    rank: id * 1024,
    depends_on: [],
    done_at: null,
    meeting_url: null,
    difficulty: [],
    reactions: [],
    updated_at: '2027-01-01T00:00:00Z',
    version: 1,
    ...over,
  } as ProjectTask
}

describe('gantt bars', () => {
  it('maps dated tasks, dependencies, critical tasks and phases', () => {
    const tasks = [
      task(1, { title: 'Phase', start: '2027-06-01', due: '2027-06-20' }),
      task(2, { parent_id: 1, start: '2027-06-01', due: '2027-06-03', status: 'doing' }),
      task(3, { parent_id: 1, due: '2027-06-08', depends_on: [{ task_id: 2, kind: 'finish_to_start', lag_days: 1 }, { task_id: 9, kind: 'finish_to_start', lag_days: 0 }] }),
      task(4, { title: 'No dates' }),
      task(9, { title: 'Undated predecessor' }),
    ]
    const bars = ganttBars(tasks, { project_id: 1, critical_path: [2, 3], tasks: [], violations: [], finish: null })
    expect(ganttBars([task(1, { due: '2027-06-01' }), task(2, { parent_id: 1, due: '2027-06-01', status: 'done' })], { project_id: 1, critical_path: [1], tasks: [], violations: [], finish: null }).map((b) => b.custom_class)).toEqual(['bar-critical-phase', 'bar-done'])
    // One class token each (frappe-gantt adds it with classList.add).
    for (const b of bars) expect(b.custom_class).not.toMatch(/\s/)
    // (id, start, end, progress, dependencies, class)
    const rows = bars.map((b) => [b.id, b.start, b.end, b.progress, b.dependencies, b.custom_class])
    expect(rows).toEqual([
      ['1', '2027-06-01', '2027-06-20', 0, '', 'bar-phase'],
      ['2', '2027-06-01', '2027-06-03', 40, '', 'bar-critical'],
      ['3', '2027-06-08', '2027-06-08', 0, '2', 'bar-critical'],
    ])
  })

  it('reads a dragged bar as calendar days', () => {
    // (start, end as frappe-gantt gives them, wanted)
    const cases: [Date, Date, { start: string; due: string }][] = [
      [new Date(2027, 5, 3), new Date(2027, 5, 6), { start: '2027-06-03', due: '2027-06-05' }],
      [new Date(2027, 5, 3), new Date(2027, 5, 5, 23, 59, 59), { start: '2027-06-03', due: '2027-06-05' }],
      [new Date(2027, 5, 3), new Date(2027, 5, 3), { start: '2027-06-03', due: '2027-06-03' }],
      [new Date(2027, 11, 31), new Date(2028, 0, 2), { start: '2027-12-31', due: '2028-01-01' }],
    ]
    for (const [s, e, want] of cases) expect(draggedDates(s, e)).toEqual(want)
  })

  it('asks for a dragged bar once, where it was let go', () => {
    const bar = { id: '7', name: 'FAQ', start: '2027-06-03', end: '2027-06-05', progress: 0, dependencies: '', custom_class: '' }
    const moves = new DragMoves()
    // frappe-gantt reports each column crossed (end: a second before the day after the last).
    for (let i = 1; i <= 10; i++) moves.changed(bar, new Date(2027, 5, 3 + i), new Date(2027, 5, 6 + i, 0, 0, -1))
    expect(moves.finish()).toEqual([{ id: 7, start: '2027-06-13', due: '2027-06-15' }])
    // Nothing more until the next drag; a bar dropped back where it was is no move.
    expect(moves.finish()).toEqual([])
    moves.changed(bar, new Date(2027, 5, 4), new Date(2027, 5, 6, 23, 59, 59))
    moves.changed(bar, new Date(2027, 5, 3), new Date(2027, 5, 5, 23, 59, 59))
    expect(moves.finish()).toEqual([])
  })

  it('adds days across months and years', () => {
    expect(addDays('2027-12-30', 3)).toBe('2028-01-02')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
  })
})

describe('calendar and phone list', () => {
  it('puts tasks on their due date, late ones marked', () => {
    const tasks = [task(1, { due: '2027-06-02' }), task(2, { due: '2027-06-09', status: 'done' }), task(3, { due: '2027-06-01', status: 'done' }), task(4)]
    const ev = calendarEvents(tasks, '2027-06-05')
    expect(ev.map((e) => [e.id, e.start, e.classNames])).toEqual([
      ['1', '2027-06-02', ['task-todo', 'task-late']],
      ['2', '2027-06-09', ['task-done']],
      ['3', '2027-06-01', ['task-done']],
    ])
    expect(ev.every((e) => e.allDay)).toBe(true)
  })

  it('lists dated tasks by start for a phone', () => {
    const tasks = [task(1, { start: '2027-06-05' }), task(2, { due: '2027-06-01' }), task(3), task(4, { start: '2027-06-05', due: '2027-06-06', title: 'A' })]
    expect(datedList(tasks).map((t) => t.id)).toEqual([2, 1, 4])
  })
})

describe('kanban', () => {
  it('groups by status and moves cards with the card they follow', () => {
    const cols = columns([task(1), task(2, { status: 'doing' }), task(3, { rank: 1 }), task(4, { status: 'done' })])
    expect(cols.todo.map((t) => t.id)).toEqual([3, 1])
    const r = moveCard(cols, 3, 'doing', 1)!
    expect(r.columns.todo.map((t) => t.id)).toEqual([1])
    expect(r.columns.doing.map((t) => [t.id, t.status])).toEqual([[2, 'doing'], [3, 'doing']])
    expect(r.after).toBe(2)
    expect(moveCard(cols, 4, 'review', 0)!.after).toBeNull()
    expect(moveCard(cols, 3, 'todo', 0)).toBeNull()
    expect(moveCard(cols, 99, 'todo', 0)).toBeNull()
    // The board it came from is untouched (for the rollback).
    expect(cols.todo.map((t) => t.id)).toEqual([3, 1])
  })
})

describe('mentions', () => {
  it('reads mentions as the server does', () => {
    // (body, ids)
    const cases: [string, number[]][] = [
      ['no one', []],
      ['@[Li Lei](user:12) please check', [12]],
      ['@[李雷](user:12) 和 @[韩梅梅](user:7)，还有 @[李雷](user:12)', [12, 7]],
      ['mail me@example.com, @[x](user:) @[y](user:3', []],
      ['@[a](user:4x) @[b](user:5)', [5]],
      ['@[broken @[c](user:9)', [9]],
      ['@[line\nbreak](user:8)', []],
    ]
    for (const [body, ids] of cases) expect(mentionedIds(body), body).toEqual(ids)
  })

  it('splits a comment into text and mentions, and makes tokens', () => {
    expect(pieces('hi @[Li](user:3), ok')).toEqual([{ text: 'hi ' }, { mention: { id: 3, name: 'Li' } }, { text: ', ok' }])
    expect(mentionToken({ id: 4, name: 'A [x]' })).toBe('@[A x](user:4) ')
    expect(mentionedIds(mentionToken({ id: 4, name: 'Wang [dev]' }))).toEqual([4])
  })
})
