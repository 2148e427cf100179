/** An API error in words an operator can act on, with the API's code kept for logic. */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

const ADVICE: Record<string, string> = {
  UNAUTHENTICATED: "Sign in again with an operator token (provisioner serve prints where it is).",
  FORBIDDEN: "This token may not do that; sign in with an operator token.",
  NOT_FOUND: "It may have been deleted meanwhile; reload the page.",
  CONFLICT: "Someone changed it meanwhile; reload and try again.",
  UNAVAILABLE: "The server or its database is not reachable right now; try again in a moment.",
  RATE_LIMITED: "Too many requests; wait a moment and try again.",
  INTERNAL: "Something broke on the server; the message has a request id for the logs.",
};

/** The server's own message first (it names the field), then what to do about it. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    const advice = ADVICE[error.code];
    const message = error.message.charAt(0).toUpperCase() + error.message.slice(1);
    return advice && error.code !== "BAD_USER_INPUT" ? `${message}. ${advice}` : message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

type WireError = { message: string; extensions?: { code?: string } };

export function fromWire(errors: readonly WireError[]): ApiError {
  const first = errors[0];
  return new ApiError(first?.extensions?.code ?? "INTERNAL", first?.message ?? "unknown error");
}

export const unreachable = () =>
  new ApiError(
    "UNAVAILABLE",
    "The server did not answer. Check that provisioner serve is running and this page's address is right",
  );
