import { describe, expect, it } from 'vitest'
import { checkRow, errorLine, formatQty, formatRate, outstanding, passedOf, receiptLines, receivedPercent, type ReceiptRow } from './goods'

const row = (line: number, inspected: string, rejected = '', reason = ''): ReceiptRow => ({ line, inspected, rejected, reason })

describe('receiving form', () => {
  it.each([
    // inspected, rejected, reason, error field, error key
    ['100', '', '', null, null],
    ['100', '0', '', null, null],
    ['100', '2', 'scratched', null, null],
    ['１００', '２', '划痕', null, null],
    ['100', '2', '', 'reason', 'goods.receive.err.reason'],
    ['100', '2', '   ', 'reason', 'goods.receive.err.reason'],
    ['100', '101', 'x', 'rejected', 'goods.receive.err.rejected_over'],
    ['abc', '', '', 'inspected', 'goods.receive.err.quantity'],
    ['-5', '', '', 'inspected', 'goods.receive.err.quantity'],
    ['0', '', '', 'inspected', 'goods.receive.err.positive'],
    ['10', 'x', '', 'rejected', 'goods.receive.err.quantity'],
  ])('inspected %s rejected %s reason %s → %s', (inspected, rejected, reason, field, key) => {
    const err = checkRow(row(0, inspected, rejected, reason))
    expect(err?.field ?? null).toBe(field)
    expect(err?.key ?? null).toBe(key)
  })

  it('leaves empty rows out and maps the receipt lines to the order lines', () => {
    const out = receiptLines([row(0, ''), row(1, '60', '5', ' bent '), row(2, '30')])
    expect(out.errors).toEqual({})
    expect(out.sent).toEqual([1, 2])
    expect(out.lines).toEqual([
      { line: 1, inspected: '60', rejected: '5', reason: 'bent' },
      { line: 2, inspected: '30', rejected: '0', reason: null },
    ])
  })

  it('keeps a bad row out of the receipt and names it', () => {
    const out = receiptLines([row(0, '10', '3'), row(1, '5')])
    expect(out.errors[0]?.field).toBe('reason')
    expect(out.sent).toEqual([1])
  })

  it('places a server error on the order line it was sent for', () => {
    expect(errorLine('lines[1].passed', [0, 3])).toEqual({ line: 3, field: 'inspected' })
    expect(errorLine('lines[0].reason', [2])).toEqual({ line: 2, field: 'reason' })
    expect(errorLine('lines[0].rejected', [2])).toEqual({ line: 2, field: 'rejected' })
    expect(errorLine('lines[5].passed', [0])).toBeNull()
    expect(errorLine('warehouse_id', [0])).toBeNull()
    expect(errorLine(null, [0])).toBeNull()
  })

  it.each([
    ['100', '', '100'],
    ['100', '2', '98'],
    ['0.5', '0.25', '0.25'],
    ['10', '11', ''],
    ['x', '', ''],
  ])('passed of %s − %s is %s', (inspected, rejected, passed) => {
    expect(passedOf({ inspected, rejected })).toBe(passed)
  })
})

describe('order lines', () => {
  it.each([
    // ordered, received, rejected → outstanding, received %
    ['500', '0', '0', '500', 0],
    ['500', '300', '20', '180', 60],
    ['500', '500', '0', '0', 100],
    ['500', '520', '0', '0', 100],
    ['0.5', '0.25', '0', '0.25', 50],
  ])('ordered %s received %s rejected %s', (quantity, received, rejected, left, pct) => {
    expect(outstanding({ quantity, received, rejected })).toBe(left)
    expect(receivedPercent({ quantity, received })).toBe(pct)
  })
})

describe('figures as shown', () => {
  it('groups quantities and keeps their decimals', () => {
    expect(formatQty('1250.5', 'en')).toBe('1,250.5')
    expect(formatQty('1000', 'zh-CN')).toBe('1,000')
    expect(formatQty('', 'en')).toBe('—')
  })
  it('shows rates in percent, a dash before the first one', () => {
    expect(formatRate('97.5', 'en')).toBe('97.5 %')
    expect(formatRate(null, 'zh-CN')).toBe('—')
  })
})
