import { describe, expect, it } from 'vitest'
import { fileFamily, formatSize } from './files'

describe('files', () => {
  it('formats sizes 1024-based', () => {
    expect(formatSize(900)).toBe('900 B')
    expect(formatSize(12 * 1024)).toBe('12 KB')
    expect(formatSize(25 * 1024 * 1024)).toBe('25.0 MB')
  })
  it('tells families from content types', () => {
    expect(fileFamily('image/png')).toBe('image')
    expect(fileFamily('text/csv; charset=utf-8')).toBe('sheet')
    expect(fileFamily('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe('doc')
    expect(fileFamily('application/zip')).toBe('archive')
  })
})
