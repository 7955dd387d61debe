import type { Command } from "commander";
import { QUANT_TYPES } from "../../quantize/types.ts";
import type { QuantizeSummary } from "../../quantize/quantize.ts";
import { formatBytes, withApp, withAppOrServer } from "../context.ts";
import { integer } from "../options.ts";
import { progressBar } from "../progress.ts";

interface QuantizeFlags {
  to: string;
  name?: string;
  allowRequantize?: boolean;
  leaveOutput?: boolean;
  outputType?: string;
  tokenEmbeddingType?: string;
  pure?: boolean;
  threads?: number;
}

const typeList = () => QUANT_TYPES.filter((t) => !t.needsImatrix).map((t) => t.name).join(", ");

/** `freehold quantize <model> --to <type>`: llama.cpp's quantizer, with progress and a summary. */
export function registerQuantize(program: Command) {
  // Positional options: `quantize report --threads 1` must reach report, not its parent.
  const quantize = program.command("quantize").argument("[model]", "the model to quantize").enablePositionalOptions()
    .description("make a smaller copy of a model with llama.cpp's quantizer (registered with the source as its parent)")
    .option("--to <type>", `target type: ${typeList()}`)
    .option("--name <name>", "name of the new model (default: <model>:<type>)")
    .option("--allow-requantize", "quantize a model that is already quantized (loses more quality)")
    .option("--leave-output", "keep output.weight at the source's precision")
    .option("--output-type <ggml-type>", "type for output.weight, e.g. q8_0")
    .option("--token-embedding-type <ggml-type>", "type for token_embd.weight, e.g. q8_0")
    .option("--pure", "every tensor to the target type, no per-tensor mixture")
    .option("--threads <n>", "quantizer threads (default: all cores)", integer(1))
    .action(async (model: string | undefined, opts: QuantizeFlags, cmd: Command) => {
      if (!model || !opts.to) cmd.help({ error: true });
      const bar = await progressBar("quantizing [{bar}] {value}/{total} tensors {tensor}");
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once("SIGINT", onSigint);
      try {
        const summary = await withAppOrServer<QuantizeSummary>(cmd,
          async (app) => {
            const { quantizeModel, quantizeSummary } = await import("../../quantize/quantize.ts");
            return quantizeSummary(await quantizeModel(app, model!, {
              ...opts, signal: abort.signal, onProgress: ({ tensorsDone, tensorsTotal, tensor }) => bar.update(tensorsDone, tensorsTotal, { tensor }),
            }));
          },
          // Through a running server: Ollama's create (`from` + `quantize`) with the flags as Freehold's extension.
          async (server) => (await import("../remote.ts")).remoteQuantize(server, model!, opts, abort.signal,
            (done, total, tensor) => bar.update(done, total, { tensor })),
        ).finally(() => bar.stop());
        printSummary(summary);
      } catch (e) {
        if (abort.signal.aborted) {
          console.error("cancelled: nothing was registered");
          process.exitCode = 130;
          return;
        }
        throw e;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });

  quantize.command("report <model>")
    .description("quality report card: KL divergence, top-1 agreement, perplexity, size and speed against the source")
    .option("--against <model>", "the model to compare with (default: the one it was quantized from)")
    .option("--threads <n>", "threads for both models (default: 1 below 100 MB, else all cores, as the runtime)", integer(1))
    .option("--ctx <tokens>", "tokens per chunk, as llama-perplexity's -c (default 256)", integer(16))
    .option("--json", "machine-readable output")
    .action(async (name: string, opts: { against?: string; threads?: number; ctx?: number; json?: boolean }, cmd: Command) => withApp(cmd, async (app) => {
      const [{ reportAndStore }, { formatReport }, { Presets, SingleBar }] = await Promise.all([
        import("../../quantize/reportJob.ts"), import("../../quantize/formatReport.ts"), import("cli-progress"),
      ]);
      const bar = new SingleBar({ format: "scoring {stage} [{bar}] {value}/{total} positions", hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
      let stage = "";
      const card = await reportAndStore(app, name, {
        against: opts.against, threads: opts.threads, ctx: opts.ctx,
        onProgress: (s, done, total) => {
          if (opts.json) return;
          if (s !== stage) { if (stage) bar.stop(); bar.start(total, 0, { stage: s }); stage = s; }
          bar.update(done, { stage: s });
        },
      }).finally(() => { if (stage) bar.stop(); });
      console.log(opts.json ? JSON.stringify(card, null, 2) : formatReport(card).join("\n"));
    }));
  return quantize;
}

function printSummary(r: QuantizeSummary) {
  const ratio = r.sourceBytes ? ` (${((r.outputBytes / r.sourceBytes) * 100).toFixed(1)}% of the source)` : "";
  console.log(`quantized ${r.source} → ${r.model} (${r.type}) in ${r.seconds.toFixed(1)} s`);
  console.log(`  size            ${formatBytes(r.sourceBytes)} → ${formatBytes(r.outputBytes)}${ratio}`);
  console.log(`  bits per weight ${r.sourceBitsPerWeight ?? "-"} → ${r.bitsPerWeight ?? "-"}`);
  console.log(`  tensors         ${r.tensors}${r.fallbacks ? `, ${r.fallbacks} in a fallback type (row size not a multiple of the type's block)` : ""}`);
  console.log(`  quality         freehold quantize report ${r.model}`);
}
