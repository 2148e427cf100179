import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../logger.ts";

export type RequestScope = { requestId: string; log: Logger };

/**
 * Carries the request id into code that is called without our context,
 * such as Yoga's error masking, so a masked error is logged with it.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();
