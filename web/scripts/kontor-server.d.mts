export function kontorBin(): string
export function freshDataDir(prefix?: string): string
export function serveCommand(bin: string, dataDir: string, port: number, demo?: boolean): { bin: string; args: string[] }
export function startKontor(opts?: { port?: number; timeoutMs?: number; demo?: boolean }): Promise<{ url: string; data: string; stop: () => void }>
