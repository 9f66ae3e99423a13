export const OUTPUT: string
export function build(): { code: string; zh: string; en: string; tz: string | null; aliases: string[] }[]
export function render(countries: ReturnType<typeof build>): string
