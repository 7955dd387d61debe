import { Option, type Command } from "commander";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { conflict } from "../../errors.ts";
import type { MadeModel } from "../../models/gguf/makeModel.ts";
import { SHAPES, type ShapeName } from "../../models/gguf/shapes.ts";
import { checkModelName } from "../../models/names.ts";
import { withApp, formatBytes, formatCount } from "../context.ts";
import { decimal, integer } from "../options.ts";

interface MakeOptions { shape: ShapeName; type: "f32" | "f16"; seed: number; out?: string; name?: string }

/** Developer tools: generated test models and LoRA adapters. */
export function registerDev(program: Command) {
  const dev = program.command("dev").description("developer tools");
  dev.command("make-model")
    .description(`generate a GGUF model with random weights (shapes: ${Object.keys(SHAPES).join(", ")})`)
    .addOption(new Option("--shape <shape>", "model shape").choices(Object.keys(SHAPES)).default("tiny"))
    .addOption(new Option("--type <type>", "weight type").choices(["f32", "f16"]).default("f32"))
    .option("--seed <n>", "random seed", integer(0, 2 ** 32 - 1), 42)
    .option("--out <file>", "write here instead of registering")
    .option("--name <name>", "register under this name (default: random-<shape>-<type>)")
    .action(async (opts: MakeOptions, cmd: Command) => {
      if (opts.out) {
        const path = resolve(opts.out);
        const made = await generate(path, opts);
        return console.log(`wrote ${path}: ${describe(made)}, ${formatBytes(made.bytes)}`);
      }
      await withApp(cmd, async (app) => {
        // Checked first: a big shape takes minutes and gigabytes to generate.
        const name = checkModelName(opts.name ?? `random-${opts.shape}-${opts.type}`);
        if (await app.models.find(name)) throw conflict(`a model named "${name}" already exists`);
        // Beside models/, so registering is a rename on one filesystem; removed if anything fails.
        const path = join(app.paths.downloads, `make-model-${randomUUID()}.gguf`);
        try {
          const made = await generate(path, opts);
          const m = await app.models.register(path, {
            name, source: "generated", sourceRef: `dev make-model --shape ${opts.shape} --seed ${opts.seed}`, adopt: true,
          });
          console.log(`registered ${m.name}: ${describe(made)}, ${formatBytes(made.bytes)} (random weights: output is noise)`);
        } catch (e) {
          await rm(path, { force: true });
          throw e;
        }
      });
    });

  dev.command("make-adapter <base>")
    .description("generate a LoRA adapter GGUF with random weights for a base model (a GGUF file), for ADAPTER in a Modelfile")
    .requiredOption("--out <file>", "where to write it")
    .option("--rank <r>", "LoRA rank", integer(1, 4096), 8)
    .option("--alpha <a>", "LoRA alpha (updates are scaled by alpha / rank)", decimal(0), 16)
    .option("--target <weight...>", "the weights each layer adapts", ["attn_q", "attn_v"])
    .addOption(new Option("--type <type>", "weight type").choices(["f32", "f16"]).default("f32"))
    .option("--seed <n>", "random seed", integer(0, 2 ** 32 - 1), 7)
    .action(async (base: string, opts: { out: string; rank: number; alpha: number; target: string[]; type: "f32" | "f16"; seed: number }) => {
      const { makeAdapter } = await import("../../models/gguf/makeAdapter.ts");
      const made = await makeAdapter({ base: resolve(base), path: resolve(opts.out), rank: opts.rank, alpha: opts.alpha, targets: opts.target, type: opts.type, seed: opts.seed });
      console.log(`wrote ${made.path}: LoRA rank ${opts.rank} on ${made.tensors} ${made.architecture} weights, ${formatBytes(made.bytes)} (random weights: it changes answers, it does not improve them)`);
    });
}

async function generate(path: string, opts: MakeOptions) {
  const [{ makeModel }, { Presets, SingleBar }] = await Promise.all([import("../../models/gguf/makeModel.ts"), import("cli-progress")]);
  const bar = new SingleBar({ format: "generating [{bar}] {percentage}% {value}/{total} MB", hideCursor: true }, Presets.shades_classic);
  let started = false;
  try {
    return await makeModel({
      path, shape: opts.shape, type: opts.type, seed: opts.seed,
      onProgress: (w, t) => {
        if (!process.stderr.isTTY || t < 50e6) return;
        if (!started) { bar.start(Math.round(t / 1e6), 0); started = true; }
        bar.update(Math.round(w / 1e6));
      },
    });
  } finally {
    if (started) bar.stop();
  }
}

const describe = (made: MadeModel) =>
  `${formatCount(made.parameters.total)} parameters` + (made.shape.experts ? ` (${formatCount(made.parameters.active)} active)` : "");
