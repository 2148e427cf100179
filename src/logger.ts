import { pino } from "pino";
import pretty from "pino-pretty";

export type Logger = pino.Logger;

export type LogFormat = "json" | "pretty";

/**
 * LOG_FORMAT=json|pretty; unset (or "auto"): readable lines for a person at a
 * terminal, JSON for anything else (journald, a log collector, a pipe).
 */
export function logFormat(
  value: string | undefined = process.env.LOG_FORMAT,
  isTerminal: boolean = Boolean(process.stdout.isTTY),
): LogFormat {
  if (value === "json" || value === "pretty") return value;
  if (value === undefined || value === "" || value === "auto")
    return isTerminal ? "pretty" : "json";
  const error = new Error(`LOG_FORMAT must be json, pretty or auto (got ${JSON.stringify(value)})`);
  error.name = "ConfigError";
  throw error;
}

/**
 * A pino logger. With a `destination` it writes JSON there (tests capture it);
 * otherwise to stdout in the format `logFormat()` picks.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const stream =
    destination ??
    (logFormat() === "pretty"
      ? pretty({
          colorize: Boolean(process.stdout.isTTY),
          translateTime: "SYS:HH:MM:ss",
          ignore: "pid,hostname",
          // In-process and synchronous: the last lines before an exit are not lost.
          sync: true,
        })
      : undefined);
  return pino(
    {
      level,
      // Tokens and keys travel in these places; never let a log line carry them.
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "*.privateKey",
          "privateKey",
          "token",
          "*.token",
        ],
        censor: "[redacted]",
      },
    },
    stream,
  );
}
