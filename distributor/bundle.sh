#!/bin/sh
# Bundles `provisioner distributor` (src/cli/distributor-main.ts and what it imports: the
# agent, commander, graphql-ws, ssh2, pino, zod, execa) into one ES module, so the image
# carries neither the server nor node_modules. Usage: bundle.sh ESBUILD_BINARY OUTFILE
# (run from the repository root; distributor/Dockerfile runs it).
set -eu
esbuild="$1"
out="$2"
# CommonJS dependencies (ssh2, pino) call require() and read __dirname: give the ES module
# bundle both. ssh2's optional native parts (cpu-features, sshcrypto.node) stay out; it
# falls back to pure JavaScript without them, as in the npm install without scripts.
banner="import { createRequire as __cr } from 'node:module';
import { fileURLToPath as __fu } from 'node:url';
import { dirname as __dn } from 'node:path';
const require = __cr(import.meta.url);
const __filename = __fu(import.meta.url);
const __dirname = __dn(__filename);"
"$esbuild" src/cli/distributor-main.ts --bundle --platform=node --format=esm --target=node24 \
  --external:cpu-features --external:'*.node' --legal-comments=none --minify --keep-names \
  --banner:js="$banner" --outfile="$out" --log-level=warning
