/**
 * Errors the service layer raises. They carry no transport detail: the
 * GraphQL layer maps `code` to extensions.code, the HTTP layer to a status.
 */
export type DomainErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "CONFLICT";

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  constructor(code: DomainErrorCode, message: string) {
    super(message);
    this.name = "DomainError";
    this.code = code;
  }
}

export const badInput = (message: string) => new DomainError("BAD_USER_INPUT", message);
export const notFound = (message: string) => new DomainError("NOT_FOUND", message);
export const unauthenticated = (message: string) => new DomainError("UNAUTHENTICATED", message);
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const conflict = (message: string) => new DomainError("CONFLICT", message);
