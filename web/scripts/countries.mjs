// Generates web/src/countries.json, the one country table of the server (src/domain/countries.rs
// include_str!s it) and of the web app (src/countries.ts imports it):
//   node scripts/countries.mjs          writes the file
//   node scripts/countries.mjs --check  exits 1 when the file differs from what the sources give
// (src/countries.test.ts runs the same comparison under `npm run test:unit`).
//
// Sources, all pinned devDependencies:
// - codes: CLDR's code mappings (cldr-core): two-letter codes with an ISO 3166-1 numeric code below
//   900 (900–999 are user-assigned: EU, private use), less the deprecated ones CLDR aliases away.
//   That is the 249 countries and territories of ISO 3166-1.
// - names: CLDR's territory names in `zh` and `en` (cldr-localenames-full); the `-alt-short` and
//   `-alt-variant` names (UK, Turkey, 香港, 捷克共和国 …) become aliases that imports and the picker match.
// - time zone of the main business city: the zones of the country in @vvo/tzdb (the IANA tz database,
//   zones grouped as they keep the same clocks, with GeoNames cities); CLDR's primary zone where it
//   names one; else the zone whose group covers the most IANA zones (the main region), the
//   westernmost on a tie. The 53 countries of the first, hand-made list keep the zones chosen then.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
export const OUTPUT = path.join(here, '..', 'src', 'countries.json')

// The first list's zones (and its Chinese names where CLDR words them otherwise), kept so that
// customers saved before keep their "local time" and imports that used these names keep working.
const FIRST_LIST = {
  CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', TW: 'Asia/Taipei', US: 'America/New_York',
  CA: 'America/Toronto', MX: 'America/Mexico_City', BR: 'America/Sao_Paulo',
  AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago', CO: 'America/Bogota', PE: 'America/Lima',
  GB: 'Europe/London', IE: 'Europe/Dublin', DE: 'Europe/Berlin', FR: 'Europe/Paris', IT: 'Europe/Rome',
  ES: 'Europe/Madrid', PT: 'Europe/Lisbon', NL: 'Europe/Amsterdam', BE: 'Europe/Brussels',
  CH: 'Europe/Zurich', AT: 'Europe/Vienna', SE: 'Europe/Stockholm', NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen', FI: 'Europe/Helsinki', PL: 'Europe/Warsaw', CZ: 'Europe/Prague',
  HU: 'Europe/Budapest', RO: 'Europe/Bucharest', GR: 'Europe/Athens', TR: 'Europe/Istanbul',
  RU: 'Europe/Moscow', UA: 'Europe/Kyiv', AE: 'Asia/Dubai', SA: 'Asia/Riyadh', IL: 'Asia/Jerusalem',
  EG: 'Africa/Cairo', NG: 'Africa/Lagos', KE: 'Africa/Nairobi', ZA: 'Africa/Johannesburg',
  IN: 'Asia/Kolkata', PK: 'Asia/Karachi', BD: 'Asia/Dhaka', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh',
  MY: 'Asia/Kuala_Lumpur', SG: 'Asia/Singapore', ID: 'Asia/Jakarta', PH: 'Asia/Manila', JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul', AU: 'Australia/Sydney', NZ: 'Pacific/Auckland',
}
const FIRST_LIST_NAMES = { HK: ['中国香港'], TW: ['中国台湾'], AE: ['阿联酋'] }
// Taiwan is named 中国台湾 in Chinese, as the first list did and as firms in China must write it.
const ZH_NAME = { TW: '中国台湾' }

function territories(locale) {
  const file = require.resolve(`cldr-localenames-full/main/${locale}/territories.json`)
  return JSON.parse(fs.readFileSync(file, 'utf8')).main[locale].localeDisplayNames.territories
}

function supplemental(name) {
  const file = require.resolve(`cldr-core/supplemental/${name}.json`)
  return JSON.parse(fs.readFileSync(file, 'utf8')).supplemental
}

/** The country table, as the sources give it today. */
export function build() {
  const mappings = supplemental('codeMappings').codeMappings
  const deprecated = supplemental('aliases').metadata.alias.territoryAlias
  const primary = supplemental('primaryZones').primaryZones
  const zh = territories('zh')
  const en = territories('en')
  const tzdb = JSON.parse(fs.readFileSync(require.resolve('@vvo/tzdb/raw-time-zones.json'), 'utf8'))

  const codes = Object.entries(mappings)
    .filter(([code, m]) => /^[A-Z]{2}$/.test(code) && m._numeric && Number(m._numeric) < 900 && !deprecated[code])
    .map(([code]) => code)
    .sort()

  const zoneOf = (code) => {
    if (FIRST_LIST[code]) return FIRST_LIST[code]
    const zones = tzdb.filter((z) => z.countryCode === code)
    if (primary[code]) {
      const p = zones.find((z) => z.name === primary[code] || z.group.includes(primary[code]))
      if (p) return p.name
    }
    if (zones.length === 0) return null
    // raw-time-zones.json lists zones by offset, west to east: the first of the largest groups.
    return zones.reduce((best, z) => (z.group.length > best.group.length ? z : best)).name
  }

  return codes.map((code) => {
    const aliases = []
    for (const list of [zh, en]) {
      for (const [k, v] of Object.entries(list)) {
        if (k.startsWith(`${code}-alt-`)) aliases.push(v)
      }
    }
    aliases.push(...(FIRST_LIST_NAMES[code] ?? []))
    const name = { zh: ZH_NAME[code] ?? zh[code], en: en[code] }
    if (name.zh !== zh[code]) aliases.push(zh[code])
    const names = [name.zh, name.en]
    return {
      code,
      zh: name.zh,
      en: name.en,
      tz: zoneOf(code),
      aliases: [...new Set(aliases)].filter((a) => !names.includes(a)),
    }
  })
}

/** The file's text: one country a line, so a diff shows which country changed. */
export function render(countries) {
  return `[\n${countries.map((c) => '  ' + JSON.stringify(c)).join(',\n')}\n]\n`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = render(build())
  if (process.argv.includes('--check')) {
    const now = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : ''
    if (now !== text) {
      console.error(`${OUTPUT} differs from its sources: run node scripts/countries.mjs`)
      process.exit(1)
    }
    console.log('countries.json matches its sources')
  } else {
    fs.writeFileSync(OUTPUT, text)
    console.log(`wrote ${OUTPUT}`)
  }
}
