import { describe, expect, it } from 'vitest'
import type { Opportunity, Stage } from '@/api/crm'
import { columnTotals, groupByStage, moveCard, replaceCard, revertMove } from './kanban'

let next = 1
function opp(stage: Stage, extra: Partial<Opportunity> = {}): Opportunity {
  const id = next++
  return {
    id,
    customer_id: 1,
    customer_name: 'Brandt GmbH',
    title: `deal ${id}`,
    stage,
    amount: null,
    currency: 'USD',
    expected_close: null,
    owner: null,
    version: 1,
    ...extra,
  }
}

describe('kanban board', () => {
  it('groups by stage, every stage present, nearest close date first', () => {
    const a = opp('new', { expected_close: '2026-12-01' })
    const b = opp('new', { expected_close: '2026-11-01' })
    const c = opp('new')
    const d = opp('won')
    const board = groupByStage([a, b, c, d])
    expect(Object.keys(board)).toEqual(['new', 'qualified', 'proposal', 'negotiation', 'won', 'lost'])
    expect(board.new.map((o) => o.id)).toEqual([b.id, a.id, c.id])
    expect(board.won).toEqual([d])
    expect(board.lost).toEqual([])
  })

  it('sums each column per currency without float drift', () => {
    const board = groupByStage([
      opp('proposal', { amount: '0.1', currency: 'USD' }),
      opp('proposal', { amount: '0.2', currency: 'USD' }),
      opp('proposal', { amount: '1000', currency: 'EUR' }),
      opp('proposal', { amount: null, currency: 'CNY' }),
    ])
    expect(columnTotals(board).proposal).toEqual([
      { currency: 'EUR', amount: '1000' },
      { currency: 'USD', amount: '0.3' },
    ])
    expect(columnTotals(board).new).toEqual([])
  })

  it('moves a card between columns and reverts the move', () => {
    const a = opp('new')
    const b = opp('qualified')
    const board = groupByStage([a, b])
    const r = moveCard(board, a.id, 'negotiation')!
    expect(r.move).toEqual({ id: a.id, from: 'new', to: 'negotiation' })
    expect(r.board.new).toEqual([])
    expect(r.board.negotiation[0]).toMatchObject({ id: a.id, stage: 'negotiation' })
    // the old board is left as it was
    expect(board.new.map((o) => o.id)).toEqual([a.id])
    const back = revertMove(r.board, r.move)
    expect(back.new.map((o) => o.id)).toEqual([a.id])
    expect(back.negotiation).toEqual([])
  })

  it('does nothing for a card that stays or is unknown', () => {
    const a = opp('new')
    const board = groupByStage([a])
    expect(moveCard(board, a.id, 'new')).toBeNull()
    expect(moveCard(board, 9999, 'won')).toBeNull()
  })

  it('takes the server answer (new version) in place of the card', () => {
    const a = opp('new')
    const board = groupByStage([a])
    const moved = moveCard(board, a.id, 'won')!.board
    const saved = { ...a, stage: 'won' as const, version: 2 }
    const b2 = replaceCard(moved, saved)
    expect(b2.won).toEqual([saved])
    expect(b2.new).toEqual([])
  })
})
