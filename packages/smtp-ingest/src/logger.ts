export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What the daemon logs through; pass your own to createIngestServer to route its lines elsewhere. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function format(level: LogLevel, message: string, fields?: LogFields): string {
  const extra = fields
    ? Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => ` ${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : value}`)
        .join('')
    : '';
  return `${new Date().toISOString()} ${level.padEnd(5)} ${message}${extra}`;
}

/** One line per event on stdout (debug, info) or stderr (warn, error), from `level` up. */
export function createLogger(level: LogLevel = 'info'): Logger {
  const make = (at: LogLevel) =>
    rank[at] < rank[level]
      ? () => {}
      : (message: string, fields?: LogFields) => (rank[at] >= rank.warn ? console.error : console.log)(format(at, message, fields));
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/** Logs nothing (tests, benches). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
