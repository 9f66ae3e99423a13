import { describe, expect, it } from 'vitest'
import { alignMapping, fieldsMappedTwice, fileProblem, formatBytes, isBusy, mappingToColumns, mapsName, progressPercent } from './mapping'

describe('import mapping helpers', () => {
  it('turns a column mapping into header → field, skipping blank headers and keeping the first of a repeated header', () => {
    expect(mappingToColumns(['公司名称', '国家', '', '国家'], ['name', 'country', 'email', 'phone'])).toEqual({
      公司名称: 'name',
      国家: 'country',
    })
    expect(mappingToColumns(['A', 'B'], ['name'])).toEqual({ A: 'name', B: null })
  })

  it('finds fields mapped from two columns, custom fields aside', () => {
    expect(fieldsMappedTwice(['name', 'email', 'name', null, null])).toEqual(['name'])
    expect(fieldsMappedTwice(['custom:x', 'custom:x', 'email'])).toEqual([])
  })

  it('knows whether the name is mapped', () => {
    expect(mapsName([null, 'name'])).toBe(true)
    expect(mapsName(['email'])).toBe(false)
  })

  it('aligns a mapping with the headers', () => {
    expect(alignMapping(['a', 'b', 'c'], ['name'])).toEqual(['name', null, null])
    expect(alignMapping(['a'], ['name', 'email'])).toEqual(['name'])
  })

  it('computes progress', () => {
    expect(progressPercent({ rows_done: 0, total: 0 })).toBe(0)
    expect(progressPercent({ rows_done: 1, total: 3 })).toBe(33)
    expect(progressPercent({ rows_done: 5, total: 3 })).toBe(100)
  })

  it('checks a file before upload', () => {
    const max = 100 * 1024 * 1024
    expect(fileProblem({ name: 'a.CSV', size: 10 }, max)).toBeNull()
    expect(fileProblem({ name: 'a.xlsx', size: 10 }, max)).toBeNull()
    expect(fileProblem({ name: 'a.pdf', size: 10 }, max)).toEqual({ code: 'type' })
    expect(fileProblem({ name: 'a.csv', size: 0 }, max)).toEqual({ code: 'empty' })
    expect(fileProblem({ name: 'a.csv', size: max + 1 }, max)).toEqual({ code: 'too_large', limit: '100.0 MB', size: '100.0 MB' })
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(isBusy('running')).toBe(true)
    expect(isBusy('done')).toBe(false)
  })
})
