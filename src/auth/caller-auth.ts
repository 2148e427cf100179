import type { Db } from "../db/connection.ts";
import { distributorByToken } from "../resolvers/distributors.ts";
import type { Principal } from "../schema/context.ts";
import type { OperatorAuth } from "./operator-tokens.ts";

export type CallerAuth = {
  /** The operator or distributor a bearer token belongs to, or undefined. */
  principalOf(token: string | undefined): Promise<Principal | undefined>;
};

export function createCallerAuth(db: Db, operators: OperatorAuth): CallerAuth {
  return {
    async principalOf(token) {
      if (!token) return undefined;
      if (await operators.isOperator(token)) return { kind: "operator" };
      const distributor = await distributorByToken({ db }, token);
      return distributor ? { kind: "distributor", distributor } : undefined;
    },
  };
}
