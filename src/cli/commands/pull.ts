import type { Command } from "commander";
import { withAppOrServer, formatBytes } from "../context.ts";
import { progressBar } from "../progress.ts";

export function registerPull(program: Command) {
  program.command("pull <ref>")
    .description("download a GGUF model from Hugging Face: hf:<owner>/<repo>[:<quant or file>] (resumes if interrupted)")
    .option("--name <name>", "model name (default: <owner>/<repo>:<quant>)")
    .action(async (ref: string, opts: { name?: string }, cmd: Command) => {
      const bar = await progressBar("pulling [{bar}] {percentage}% {done}/{size} {speed}");
      let t0 = Date.now();
      const onProgress = ({ downloaded, total }: { downloaded: number; total: number }) => {
        if (!bar.started) t0 = Date.now();
        const payload = { done: formatBytes(downloaded), size: formatBytes(total), speed: `${formatBytes(downloaded / Math.max(0.001, (Date.now() - t0) / 1000))}/s` };
        bar.update(downloaded, total, payload);
      };
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      const pull = { name: opts.name, signal: abort.signal, onProgress };
      // While serve holds the database, the server downloads (into the same data folder).
      const m = await withAppOrServer(cmd,
        async (app) => (await import("../../models/pullModel.ts")).pullModel(app, ref, pull),
        async (server) => (await import("../remote.ts")).remotePull(server, ref, pull),
      ).finally(() => bar.stop());
      console.log(`pulled ${m.name} (${m.quantization}, ${formatBytes(m.sizeBytes)}, sha256 ${m.sha256?.slice(0, 12)}…)`);
    });
}
