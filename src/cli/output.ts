/**
 * The only place that writes to the terminal. Results go to stdout; progress and diagnostics to stderr, as plain
 * lines or, with --log-format json, one JSON object per line ({"level","msg","time"}) for log collectors.
 * Nothing here uses colour, so NO_COLOR and dumb terminals get the same bytes.
 */
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

/** Takes the parsed command line (its quiet and logFormat options). */
export function createLog(opts: Record<string, unknown> = {}): Log {
  const quiet = opts.quiet === true;
  const logFormat: LogOptions['logFormat'] = opts.logFormat === 'json' ? 'json' : 'text';
  const emit = (level: 'info' | 'warn', line: string) => {
    if (logFormat === 'json') {
      process.stderr.write(`${JSON.stringify({ level, msg: line, time: new Date().toISOString() })}\n`);
    } else {
      process.stderr.write(level === 'warn' ? `warning: ${line}\n` : `${line}\n`);
    }
  };
  return {
    info: (line) => {
      if (!quiet) emit('info', line);
    },
    warn: (line) => emit('warn', line),
    out: (line) => process.stdout.write(`${line}\n`),
    interactive: process.stderr.isTTY === true && !quiet && logFormat === 'text',
  };
}
