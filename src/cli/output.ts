/** The only place that writes to the terminal. Progress and diagnostics go to stderr; results to stdout. */
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  out(line: string): void;
}

export function createLog(quiet: boolean): Log {
  return {
    info: (line) => {
      if (!quiet) process.stderr.write(`${line}\n`);
    },
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
    out: (line) => process.stdout.write(`${line}\n`),
  };
}
