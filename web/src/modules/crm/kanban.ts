// The opportunity board: cards grouped by stage, in a stable order, with totals per currency, and
// moves between columns that can be undone when the server refuses them.
import { STAGES, type Opportunity, type Stage } from '@/api/crm'
import { sumByCurrency } from './money'

export type Board = Record<Stage, Opportunity[]>

/** Within a column: the nearest expected close first (no date last), then the newest. */
export function compareCards(a: Opportunity, b: Opportunity): number {
  const da = a.expected_close ?? '9999-99-99'
  const db = b.expected_close ?? '9999-99-99'
  if (da !== db) return da < db ? -1 : 1
  return b.id - a.id
}

export function emptyBoard(): Board {
  return Object.fromEntries(STAGES.map((s) => [s, [] as Opportunity[]])) as Board
}

export function groupByStage(items: readonly Opportunity[]): Board {
  const board = emptyBoard()
  for (const o of items) (board[o.stage] ?? board.new).push(o)
  for (const s of STAGES) board[s].sort(compareCards)
  return board
}

export function columnTotals(board: Board): Record<Stage, { currency: string; amount: string }[]> {
  return Object.fromEntries(STAGES.map((s) => [s, sumByCurrency(board[s])])) as Record<
    Stage,
    { currency: string; amount: string }[]
  >
}

export interface Move {
  id: number
  from: Stage
  to: Stage
}

/**
 * Moves a card to another column (optimistically, before the server answers). Returns the new
 * board and the move, or null when the card is not on the board or stays in its column.
 */
export function moveCard(board: Board, id: number, to: Stage): { board: Board; move: Move } | null {
  let from: Stage | undefined
  let card: Opportunity | undefined
  for (const s of STAGES) {
    const c = board[s].find((o) => o.id === id)
    if (c) {
      from = s
      card = c
      break
    }
  }
  if (!from || !card || from === to) return null
  const next: Board = { ...board }
  next[from] = board[from].filter((o) => o.id !== id)
  next[to] = [...board[to], { ...card, stage: to }].sort(compareCards)
  return { board: next, move: { id, from, to } }
}

/** Puts the server's answer for one card on the board (its new version, stage and fields). */
export function replaceCard(board: Board, saved: Opportunity): Board {
  const next: Board = { ...board }
  for (const s of STAGES) {
    if (next[s].some((o) => o.id === saved.id)) next[s] = next[s].filter((o) => o.id !== saved.id)
  }
  next[saved.stage] = [...next[saved.stage], saved].sort(compareCards)
  return next
}

/** Undo a move the server refused. */
export function revertMove(board: Board, move: Move): Board {
  const r = moveCard(board, move.id, move.from)
  return r ? r.board : board
}

/** Open deals only (won and lost are history). */
export function isOpen(stage: Stage): boolean {
  return stage !== 'won' && stage !== 'lost'
}
