/**
 * The only place that writes to the terminal. Results go to stdout; progress and diagnostics to stderr, as plain
 * lines or, with --log-format json, one JSON object per line ({"level","msg","time"}) for log collectors.
 * Nothing here uses colour, so NO_COLOR and dumb terminals get the same bytes.
 *
 * Lines carry tenant and endpoint data (error codes and messages of every source, names): every control, bidi and
 * invisible character in them is shown as a "[U+XXXX]" marker, the HTML's convention (src/text/visible.ts), so
 * none can colour, move the cursor, rewrite a line or reorder it (issue #13). JSON logs get the same markers in
 * "msg": JSON escaping covers C0 only, and a consumer may print msg raw. A line break inside a text log line
 * starts an indented continuation line, so nothing from the data can begin a line of its own that reads like ours
 * ("error: …"). Only the newline that ends each line, and the progress line's own carriage return and erase
 * (progress.ts), reach the terminal as control characters.
 */
import { terminalText } from '../text/visible.js';

export interface Log {
  info(line: string): void;
  warn(line: string): void;
  out(line: string): void;
  /** stderr is a terminal that shows progress: plain text, not --quiet (progress.ts) */
  interactive?: boolean;
}

export interface LogOptions {
  quiet?: boolean;
  logFormat?: 'text' | 'json';
}

export type LogLevel = 'info' | 'warn' | 'error';

const PREFIX: Record<LogLevel, string> = { info: '', warn: 'warning: ', error: 'error: ' };

/** A diagnostic for a text terminal, without its final newline: marked, continuation lines indented. */
export function terminalLine(text: string): string {
  return terminalText(text).replace(/\n(?![ \t])/g, '\n  ');
}

/** One log line on stderr, newline included: "warning: …" or {"level","msg",…extra,"time"}. */
export function formatLogLine(format: 'text' | 'json', level: LogLevel, msg: string, extra: Record<string, unknown> = {}): string {
  if (format === 'json') return `${JSON.stringify({ level, msg: terminalText(msg), ...extra, time: new Date().toISOString() })}\n`;
  return `${terminalLine(PREFIX[level] + msg)}\n`;
}

/** Takes the parsed command line (its quiet and logFormat options). */
export function createLog(opts: Record<string, unknown> = {}): Log {
  const quiet = opts.quiet === true;
  const logFormat: LogOptions['logFormat'] = opts.logFormat === 'json' ? 'json' : 'text';
  const emit = (level: 'info' | 'warn', line: string) => process.stderr.write(formatLogLine(logFormat, level, line));
  return {
    info: (line) => {
      if (!quiet) emit('info', line);
    },
    warn: (line) => emit('warn', line),
    // results: marked too (doctor prints the endpoint's messages here), but laid out as given
    out: (line) => process.stdout.write(`${terminalText(line)}\n`),
    interactive: process.stderr.isTTY === true && !quiet && logFormat === 'text',
  };
}
