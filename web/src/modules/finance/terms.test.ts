import { describe, expect, it } from 'vitest'
import { blankPart, blankTerms, checkTerms, describePart, termsInput, termsSum } from './terms'

describe('payment terms', () => {
  it('add up to exactly 100 %, computed without floats', () => {
    expect(termsSum([{ percent: '30' }, { percent: '70' }])).toEqual({ sum: '100', ok: true })
    // 33.3 + 33.3 + 33.4 is 100 exactly; as floats it is 99.99999999999999.
    expect(termsSum([{ percent: '33.3' }, { percent: '33.3' }, { percent: '33.4' }])).toEqual({ sum: '100', ok: true })
    expect(termsSum([{ percent: '0.1' }, { percent: '0.2' }, { percent: '99.7' }]).ok).toBe(true)
    expect(termsSum([{ percent: '30' }, { percent: '60' }])).toEqual({ sum: '90', ok: false })
    expect(termsSum([{ percent: '30' }, { percent: '80' }])).toEqual({ sum: '110', ok: false })
    expect(termsSum([{ percent: '３０' }, { percent: '７０' }]).ok).toBe(true)
    expect(termsSum([{ percent: '30' }, { percent: '' }])).toEqual({ sum: null, ok: false })
    expect(termsSum([])).toEqual({ sum: '0', ok: false })
  })

  it('say what is wrong, the sum only once each share is right', () => {
    const form = blankTerms()
    form.name_zh = '30/70'
    form.name_en = '30/70'
    expect(checkTerms(form)).toEqual({})
    form.parts[1].percent = '60'
    expect(checkTerms(form)).toEqual({ parts: 'sum' })
    form.parts[1].percent = '0'
    form.parts[0].days = '900'
    expect(checkTerms(form)).toEqual({ 'parts[1].percent': 'percent', 'parts[0].days': 'days' })
    form.parts = []
    expect(checkTerms(form)).toEqual({ parts: 'parts_count' })
    form.parts = [{ ...blankPart(), percent: '100' }]
    expect(checkTerms(form)).toEqual({ 'parts[0].label_zh': 'label_required', 'parts[0].label_en': 'label_required' })
  })

  it('word each part as the server does', () => {
    const [deposit, balance] = blankTerms().parts
    expect(describePart(deposit, 'en')).toBe('30% T/T Deposit on the order date')
    expect(describePart({ ...balance, days: '15' }, 'zh-CN')).toBe('70% T/T 尾款 提单日后 15 天')
    expect(describePart({ ...balance, method: 'oa', days: '30', month_end: true }, 'en')).toBe('70% O/A Balance 30 days after the month end of the B/L date')
    expect(describePart({ ...balance, days: '-5' }, 'en')).toBe('70% T/T Balance 5 days before the B/L date')
    expect(describePart({ ...balance, percent: 'x' }, 'en')).toBeNull()
  })

  it('send numbers as the API takes them', () => {
    const form = blankTerms()
    form.name_zh = ' 30/70 '
    form.name_en = '30/70'
    form.parts[1].days = '+15'
    const input = termsInput(form, 3)
    expect(input.name_zh).toBe('30/70')
    expect(input.version).toBe(3)
    expect(input.parts![1]).toEqual({ label_zh: '尾款', label_en: 'Balance', percent: '70', method: 'tt', anchor: 'bl_date', days: 15, month_end: false })
  })
})
