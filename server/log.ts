// Structured logs (pino). The server logs JSON lines to stdout; the CLI logs short human lines to
// stderr so they don't mix with its output and progress bar.
import { type DestinationStream, type Level, type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: Level | "silent" = "info", destination?: DestinationStream): Logger {
  return pino({ level, base: { name: "sketchcast" } }, destination ?? pino.destination(1));
}

/** `sketchcast: warn: <message>` lines on stderr, for command-line use. */
export function createCliLogger(level: Level | "silent" = "warn"): Logger {
  return createLogger(level, {
    write(line: string) {
      const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
      const label = pino.levels.labels[entry.level] ?? "log";
      process.stderr.write(`sketchcast: ${label}: ${entry.msg ?? entry.err?.message ?? ""}\n`);
    },
  });
}
