// A lab "node" for the tutorial test: an SSH server on this namespace's LAN address that
// trusts the keys in a file (what the kickstart's %post installs), until killed.
// Usage: node ssh-node.ts <address> <authorized-keys-file>
import { readFile } from "node:fs/promises";
import { startSshServer } from "../helpers/ssh-server.ts";

const [address, keyFile] = process.argv.slice(2);
if (!address || !keyFile) throw new Error("usage: ssh-node.ts <address> <authorized-keys-file>");
const key = (await readFile(keyFile, "utf8")).trim();
const server = await startSshServer(address, key);
process.stdout.write(`ssh node ready ${server.fingerprint}\n`);
process.once("SIGTERM", () => void server.stop().then(() => process.exit(0)));
