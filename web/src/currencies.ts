// Currencies offered as a company's base currency, most common for Chinese exporters first.
export const CURRENCIES = [
  'CNY', 'USD', 'EUR', 'GBP', 'JPY', 'HKD', 'AUD', 'CAD', 'SGD', 'KRW', 'TWD', 'CHF', 'NZD', 'SEK',
  'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RUB', 'TRY', 'AED', 'SAR', 'ILS', 'INR', 'THB', 'MYR', 'IDR',
  'PHP', 'VND', 'BRL', 'MXN', 'CLP', 'COP', 'ZAR', 'NGN', 'EGP',
] as const

export function currencyName(code: string, lang: string): string {
  try {
    const dn = new Intl.DisplayNames([lang], { type: 'currency' })
    return dn.of(code) ?? code
  } catch {
    return code
  }
}
