import type { Command } from "commander";
import { withApp, formatBytes } from "../context.ts";

export function registerPull(program: Command) {
  program.command("pull <ref>")
    .description("download a GGUF model from Hugging Face: hf:<owner>/<repo>[:<quant or file>] (resumes if interrupted)")
    .option("--name <name>", "model name (default: <owner>/<repo>:<quant>)")
    .action(async (ref: string, opts: { name?: string }, cmd: Command) => withApp(cmd, async (app) => {
      const [{ pullModel }, { Presets, SingleBar }] = await Promise.all([import("../../models/pullModel.ts"), import("cli-progress")]);
      const bar = new SingleBar({
        format: "pulling [{bar}] {percentage}% {done}/{size} {speed}", hideCursor: true, noTTYOutput: false,
      }, Presets.shades_classic);
      let started = false, t0 = Date.now();
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      const m = await pullModel(app, ref, {
        name: opts.name, signal: abort.signal,
        onProgress: ({ downloaded, total }) => {
          const payload = { done: formatBytes(downloaded), size: formatBytes(total), speed: `${formatBytes(downloaded / Math.max(0.001, (Date.now() - t0) / 1000))}/s` };
          if (!started) { bar.start(total, downloaded, payload); started = true; t0 = Date.now(); }
          bar.update(downloaded, payload);
        },
      }).finally(() => { if (started) bar.stop(); });
      console.log(`pulled ${m.name} (${m.quantization}, ${formatBytes(m.sizeBytes)}, sha256 ${m.sha256?.slice(0, 12)}…)`);
    }));
}
