import type { Command } from "commander";
import { resolveHome } from "../../config.ts";
import { FreeholdError } from "../../errors.ts";
import { formatBytes } from "../context.ts";
import { runningServer, type RunningServer } from "../runningServer.ts";
import { printTable } from "./models.ts";

/** /api/ps's entries, as the CLI reads them. */
interface Loaded { name: string; digest: string; size: number; size_vram: number; expires_at: string; context_length?: number }

/**
 * `freehold ps` and `freehold stop <model>`, as `ollama ps` and `ollama stop`: models load in the
 * running server, so both ask it (through its API, with the local token), whatever the database.
 */
export function registerPs(program: Command) {
  program.command("ps").description("models the running server has in memory, and until when")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { call } = await import("../remote.ts");
      const { models } = await (await call(serverFor(cmd), "/api/ps")).json() as { models: Loaded[] };
      if (opts.json) return console.log(JSON.stringify(models, null, 2));
      printTable(["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"], models.map((m) => [
        m.name, m.digest.slice(0, 12) || "-", formatBytes(m.size), processor(m), m.context_length ? String(m.context_length) : "-", until(m.expires_at),
      ]));
    });

  program.command("stop <model>").description("unload a model from the running server now")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { call } = await import("../remote.ts");
      await call(serverFor(cmd), "/api/generate", { body: { model: name, keep_alive: 0 } }); // Ollama's own way to unload
      console.log(`stopped ${name}`);
    });
}

function serverFor(cmd: Command): RunningServer {
  const home = resolveHome(cmd.optsWithGlobals().home);
  const server = runningServer(home);
  if (!server) throw new FreeholdError("unavailable", `no freehold serve is running for ${home}: models are loaded by the server (start it with freehold serve)`);
  return server;
}

/** Where the weights are, as ollama ps says it: "100% CPU", "100% GPU" or the split. */
function processor(m: Loaded): string {
  if (!m.size || m.size_vram <= 0) return "100% CPU";
  const gpu = Math.round((Math.min(m.size_vram, m.size) / m.size) * 100);
  return gpu >= 100 ? "100% GPU" : `${100 - gpu}%/${gpu}% CPU/GPU`;
}

/** "4 minutes from now", as ollama ps says it; "Forever" for keep_alive -1 (and while a request holds it). */
export function until(expiresAt: string, now = Date.now()): string {
  const at = Date.parse(expiresAt);
  if (!Number.isFinite(at) || new Date(at).getUTCFullYear() > 9000) return "Forever";
  const s = Math.round((at - now) / 1000);
  if (s <= 0) return "Stopping...";
  const [n, unit] = s < 60 ? [s, "second"] : s < 3600 ? [Math.round(s / 60), "minute"] : [Math.round(s / 3600), "hour"];
  return `${n} ${unit}${n === 1 ? "" : "s"} from now`;
}
