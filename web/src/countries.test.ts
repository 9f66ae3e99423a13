import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { build, render, OUTPUT } from '../scripts/countries.mjs'
import { COUNTRIES, countryName, searchCountries } from './countries'

describe('countries', () => {
  it('countries.json is what its CLDR and tz sources give (run node scripts/countries.mjs)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(render(build()))
  })

  it('holds the 249 codes of ISO 3166-1 with names in both languages', () => {
    expect(COUNTRIES).toHaveLength(249)
    expect(countryName('ee', 'zh-CN')).toBe('爱沙尼亚')
    expect(countryName('EE', 'en')).toBe('Estonia')
  })

  it('finds a country by code or by name in either language, best first', () => {
    expect(searchCountries('德国')[0].code).toBe('DE')
    expect(searchCountries('germany')[0].code).toBe('DE')
    expect(searchCountries('de')[0].code).toBe('DE')
    expect(searchCountries('爱沙')[0].code).toBe('EE')
    expect(searchCountries('Turkey')[0].code).toBe('TR')
    expect(searchCountries('香港')[0].code).toBe('HK')
    expect(searchCountries('xyzzy')).toHaveLength(0)
    expect(searchCountries('')).toHaveLength(249)
  })
})
