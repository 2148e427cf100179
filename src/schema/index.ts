import { builder } from "./builder.ts";
import "./scripts.ts";
import "./sshkeys.ts";
import "./sites.ts";
import "./localnodes.ts";
import "./builds.ts";
import "./distributors.ts";
import "./distributor-changes.ts";
import "./node-operations.ts";
import "./server-info.ts";

export const schema = builder.toSchema({ sortSchema: true });
