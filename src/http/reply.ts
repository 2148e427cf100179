import type { ServerResponse } from "node:http";

/** One-line plain-text answers: what booting hosts and curl users read. */
export function replyText(res: ServerResponse, status: number, text: string): void {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
