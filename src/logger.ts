import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
    destination,
  );
}
