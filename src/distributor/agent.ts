import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { open as openSealed } from "../domain/sealed-box.ts";
import type { Logger } from "../logger.ts";
import { loadOrCreateAgentKey } from "./agent-key.ts";
import { type PxeFile, syncBootFiles } from "./boot-files.ts";
import type { AgentConfig } from "./config.ts";
import { type BootEvent, createBootEventParser } from "./dnsmasq/boot-events.ts";
import { withNeighbourMac } from "./dnsmasq/neighbours.ts";
import { renderDnsmasqConfig } from "./dnsmasq/render.ts";
import { type DnsmasqSupervisor, superviseDnsmasq } from "./dnsmasq/supervise.ts";
import {
  AckWorkDocument,
  DistributorHeartbeatDocument,
  DistributorWorkDocument,
  type DistributorWorkSubscription,
  FinishScriptRunDocument,
  RegisterDistributorDocument,
  ReportBootEventsDocument,
  ReportConfigErrorDocument,
  ReportPingDocument,
  ReportScriptOutputDocument,
} from "./generated/graphql.ts";
import { oneAtATime } from "./one-at-a-time.ts";
import { pingHost } from "./ping.ts";
import { RunJournal, type RunOutcome } from "./run-journal.ts";
import { ipv4Of, type ScriptServer, startScriptServer } from "./script-server.ts";
import { connectToServer, type ServerLink } from "./server-link.ts";
import { runOverSsh } from "./ssh-runner.ts";

type Work = DistributorWorkSubscription["distributorWork"];
type Config = NonNullable<Work["config"]>;

const MAX_PENDING_EVENTS = 1000;
// A run's outcome is reported until the server has it (it may be restarting).
const REPORT_ATTEMPTS = 60;
const INTERRUPTED = "the distributor restarted while this script was running; it was not run again";

export type Agent = { stop(): Promise<void> };

/**
 * The distributor: keeps dnsmasq serving the configured boot files (also
 * while the server is unreachable, from its cache), reports what dnsmasq sees,
 * and runs pings and scripts for the server.
 */
export async function startAgent(config: AgentConfig, log: Logger): Promise<Agent> {
  const tftpRoot = path.join(config.dataDir, "tftp");
  const stateFile = path.join(config.dataDir, "config.json");
  const dnsmasqFile = path.join(config.dataDir, "dnsmasq.conf");
  await mkdir(config.dataDir, { recursive: true, mode: 0o755 });
  const agentKey = await loadOrCreateAgentKey(config.dataDir, log);
  const journal = await RunJournal.open(config.dataDir);
  // Runs executing in this process: a redelivery of one of them is ignored.
  const running = new Set<string>();
  const stopping = new AbortController();
  let dnsmasq: DnsmasqSupervisor | undefined;
  let applied = "";
  let scriptServer: ScriptServer | undefined;
  const biosScriptDir = path.join(config.dataDir, "bios-script");
  const pendingEvents: BootEvent[] = [];
  const parse = createBootEventParser({ tftpRoot });

  let link: ServerLink | undefined;
  const flushEvents = async () => {
    if (!link || pendingEvents.length === 0) return;
    const batch = pendingEvents.splice(0, 200);
    try {
      await link.request(ReportBootEventsDocument, {
        events: batch.map((e) => ({
          kind: e.kind,
          mac: e.mac ?? null,
          ip: e.ip ?? null,
          detail: e.detail,
        })),
      });
    } catch (error) {
      // Server away: keep them (bounded) for the next try.
      pendingEvents.unshift(...batch.slice(0, MAX_PENDING_EVENTS - pendingEvents.length));
      log.debug({ err: error }, "boot events not reported yet");
    }
  };

  const apply = oneAtATime(applyNow);
  async function applyNow(next: Config): Promise<void> {
    const key = JSON.stringify(next);
    if (key === applied) return;
    const device = config.interface ?? next.device;
    // autoexec.ipxe in the TFTP root is what UEFI iPXE runs; BIOS iPXE gets its
    // script by URL from the proxy offer, so it is kept apart and served by HTTP.
    const biosFiles = next.bios?.files ?? [];
    const biosScript = biosFiles.filter((f) => f.name === "autoexec.ipxe");
    const bootFiles: PxeFile[] = [
      ...(next.uefi?.files ?? []),
      ...biosFiles.filter((f) => f.name !== "autoexec.ipxe"),
    ];
    await syncBootFiles(tftpRoot, bootFiles, stopping.signal);
    await syncBootFiles(biosScriptDir, biosScript, stopping.signal);
    await writeFile(stateFile, key, { mode: 0o600 });
    await dnsmasq?.stop();
    dnsmasq = undefined;
    await scriptServer?.close();
    scriptServer = undefined;
    applied = key;
    if (!next.on || !device || !next.range || !next.scriptUrl) {
      log.info({ on: next.on }, "dnsmasq stopped (distributor off or not configured)");
      return;
    }
    // Prefer our own copy of the BIOS script, so BIOS hosts boot while the server is away.
    let scriptUrl = next.scriptUrl;
    const address = ipv4Of(device);
    if (address && biosScript.length > 0) {
      try {
        scriptServer = await startScriptServer(address, biosScriptDir);
        scriptUrl = scriptServer.url;
      } catch (error) {
        log.warn(
          { err: error, address },
          "cannot serve the BIOS script locally; hosts fetch it from the server",
        );
      }
    }
    const uefiFile = next.uefi?.files.find((f) => f.name.endsWith(".efi"))?.name;
    const biosFile = next.bios?.files.find((f) => f.name.endsWith(".kpxe"))?.name;
    await writeFile(
      dnsmasqFile,
      renderDnsmasqConfig({
        interface: device,
        range: next.range,
        tftpRoot,
        scriptUrl,
        uefiBootFile: uefiFile ?? biosFile ?? "ipxe.efi",
        biosBootFile: biosFile ?? uefiFile ?? "undionly.kpxe",
      }),
    );
    dnsmasq = superviseDnsmasq({
      configFile: dnsmasqFile,
      logger: log,
      binary: config.dnsmasq,
      signal: stopping.signal,
      onLine: (line) => {
        const event = parse(line);
        if (!event) return;
        void withNeighbourMac(event).then((e) => {
          if (pendingEvents.length < MAX_PENDING_EVENTS) pendingEvents.push(e);
        });
      },
    });
    log.info({ device, range: next.range }, "dnsmasq serving proxy-DHCP and TFTP");
  }

  /** Sends one report, retrying with backoff while the server is away (it may be restarting). */
  async function deliver(what: string, send: (current: ServerLink) => Promise<unknown>) {
    for (let attempt = 0; attempt < REPORT_ATTEMPTS && !stopping.signal.aborted; attempt++) {
      const current = link;
      try {
        if (!current) throw new Error("not connected");
        await send(current);
        return;
      } catch (error) {
        log.warn({ err: errorText(error), what }, "report not delivered yet; retrying");
        await sleep(Math.min(10_000, 500 * 2 ** attempt), stopping.signal);
      }
    }
  }

  const reportOutcome = (scriptRunId: string, outcome: RunOutcome) =>
    deliver(`outcome of run ${scriptRunId}`, (current) =>
      current.request(FinishScriptRunDocument, { scriptRunId, ...outcome }),
    );

  async function runScript(run: NonNullable<Work["run"]>): Promise<void> {
    const runId = run.scriptRunId;
    if (running.has(runId)) return;
    // At most once: a redelivered run is answered from the journal, never run again.
    const seen = journal.get(runId);
    if (seen?.state === "finished") return reportOutcome(runId, seen);
    if (seen?.state === "started") {
      const outcome = { exitCode: null, error: INTERRUPTED, hostKey: null };
      await journal.finished(runId, outcome);
      return reportOutcome(runId, outcome);
    }
    let privateKey: string;
    try {
      privateKey = openSealed(run.sealedKey, agentKey.privateKeyPem);
    } catch (error) {
      const outcome = { exitCode: null, error: errorText(error), hostKey: null };
      await journal.finished(runId, outcome);
      return reportOutcome(runId, outcome);
    }
    running.add(runId);
    try {
      await runAndReport(runId, run, privateKey);
    } finally {
      // Ours until the outcome is reported: a redelivery meanwhile (the server
      // came back) must not report the journal's outcome ahead of the output.
      running.delete(runId);
    }
  }

  async function runAndReport(
    runId: string,
    run: NonNullable<Work["run"]>,
    privateKey: string,
  ): Promise<void> {
    await journal.started(runId);
    let buffered = "";
    let sending = Promise.resolve();
    // Characters (code points, as PostgreSQL counts them) reported so far: each report
    // says where its chunk starts, so one the server already has is not appended twice.
    let reported = 0;
    const send = () => {
      const chunk = buffered;
      buffered = "";
      if (!chunk) return;
      const offset = reported;
      reported += [...chunk].length;
      // Chained, so output arrives in order even when a report has to wait for the server.
      sending = sending.then(() =>
        deliver(`output of run ${runId}`, (current) =>
          current.request(ReportScriptOutputDocument, { scriptRunId: runId, chunk, offset }),
        ),
      );
    };
    const ticker = setInterval(send, 200);
    let outcome: RunOutcome;
    try {
      const result = await runOverSsh({
        host: run.ip,
        user: run.user,
        script: run.script,
        privateKey,
        hostKey: run.hostKey,
        onOutput: (chunk) => {
          buffered += chunk;
        },
      });
      outcome = {
        exitCode: result.exitCode,
        error: result.error ?? null,
        hostKey: result.hostKey ?? null,
      };
    } finally {
      clearInterval(ticker);
    }
    await journal.finished(runId, outcome);
    send();
    await sending;
    await reportOutcome(runId, outcome);
  }

  /** Applies a configuration and tells the server whether it could (Distributor.configError). */
  async function applyAndReport(current: ServerLink, next: Config): Promise<void> {
    let problem: string | null = null;
    try {
      await apply(next);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
      log.warn({ problem }, "configuration not applied; dnsmasq stays stopped");
    }
    await current
      .request(ReportConfigErrorDocument, { message: problem })
      .catch((error: unknown) =>
        log.debug({ err: error }, "configuration outcome not reported yet"),
      );
  }

  async function handle(work: Work): Promise<void> {
    const current = link;
    if (!current) return;
    if (work.kind === "CONFIG") {
      if (work.config) await applyAndReport(current, work.config);
      return;
    }
    // Taken means taken: an item the server no longer holds for us (finished,
    // expired) is dropped; one whose ack did not arrive comes again later.
    const { ackWork } = await current.request(AckWorkDocument, { id: work.id });
    if (!ackWork) return;
    if (work.kind === "PING" && work.ping) {
      const pingable = await pingHost(work.ping.ip, stopping.signal);
      await current.request(ReportPingDocument, { workId: work.id, pingable });
    }
    if (work.kind === "RUN_SCRIPT" && work.run) await runScript(work.run);
  }

  // Serve the last known configuration at once, before (or without) the server.
  const saved = await readFile(stateFile, "utf8").catch(() => undefined);
  if (saved) {
    try {
      await apply(JSON.parse(saved) as Config);
      log.info("serving the cached configuration");
    } catch (error) {
      log.warn({ err: error }, "cached configuration not usable");
    }
  }

  let connected = false;
  link = connectToServer(config.server, config.token, log, {
    onConnected: () => {
      connected = true;
    },
    onClosed: () => {
      connected = false;
    },
  });
  const heartbeat = setInterval(() => {
    if (!connected || !link) return;
    link.request(DistributorHeartbeatDocument, {}).catch(() => undefined);
    void flushEvents();
  }, config.heartbeatSeconds * 1000);
  const events = setInterval(() => void flushEvents(), 1000);

  // One loop for the life of the agent: (re)register and follow the work stream.
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const me = await link.request(RegisterDistributorDocument, {
          publicKey: agentKey.publicKey,
        });
        log.info(
          { distributor: me.registerDistributor.id, name: me.registerDistributor.name },
          "registered",
        );
        for await (const { distributorWork } of link.subscribe(DistributorWorkDocument, {})) {
          log.info({ work: distributorWork.kind, id: distributorWork.id }, "work received");
          void handle(distributorWork).catch((error: unknown) =>
            log.warn({ err: errorText(error), work: distributorWork.kind }, "work failed"),
          );
        }
      } catch (error) {
        if (stopping.signal.aborted) break;
        log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "work stream ended; reconnecting",
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    async stop() {
      stopping.abort();
      clearInterval(heartbeat);
      clearInterval(events);
      await flushEvents();
      await link?.close();
      await loop.catch(() => undefined);
      await dnsmasq?.stop();
      await scriptServer?.close();
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
