import type { Command } from "commander";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { SHAPES, type ShapeName } from "../../models/gguf/shapes.ts";
import { withApp, formatBytes, formatCount } from "../context.ts";

/** Developer tools: generated test models. */
export function registerDev(program: Command) {
  const dev = program.command("dev").description("developer tools");
  dev.command("make-model")
    .description(`generate a GGUF model with random weights (shapes: ${Object.keys(SHAPES).join(", ")})`)
    .option("--shape <shape>", "model shape", "tiny")
    .option("--type <type>", "weight type: f32 or f16", "f32")
    .option("--seed <n>", "random seed", (v) => parseInt(v, 10), 42)
    .option("--out <file>", "write here instead of registering")
    .option("--name <name>", "register under this name (default: random-<shape>-<type>)")
    .action(async (opts: { shape: string; type: string; seed: number; out?: string; name?: string }, cmd: Command) => {
      if (!(opts.shape in SHAPES)) throw new Error(`unknown shape "${opts.shape}"; known: ${Object.keys(SHAPES).join(", ")}`);
      if (opts.type !== "f32" && opts.type !== "f16") throw new Error(`--type must be f32 or f16`);
      const shape = opts.shape as ShapeName;
      const path = opts.out ? resolve(opts.out) : join(tmpdir(), `freehold-${shape}-${process.pid}.gguf`);
      const [{ makeModel }, { Presets, SingleBar }] = await Promise.all([import("../../models/gguf/makeModel.ts"), import("cli-progress")]);
      const bar = new SingleBar({ format: "generating [{bar}] {percentage}% {value}/{total} MB", hideCursor: true }, Presets.shades_classic);
      let started = false;
      const made = await makeModel({
        path, shape, type: opts.type, seed: opts.seed,
        onProgress: (w, t) => {
          if (!process.stderr.isTTY || t < 50e6) return;
          if (!started) { bar.start(Math.round(t / 1e6), 0); started = true; }
          bar.update(Math.round(w / 1e6));
        },
      });
      if (started) bar.stop();
      const params = `${formatCount(made.parameters.total)} parameters` +
        (made.shape.experts ? ` (${formatCount(made.parameters.active)} active)` : "");
      if (opts.out) return console.log(`wrote ${path}: ${params}, ${formatBytes(made.bytes)}`);
      await withApp(cmd, async (app) => {
        const m = await app.models.register(path, {
          name: opts.name ?? `random-${shape}-${opts.type}`, source: "generated", sourceRef: `dev make-model --shape ${shape} --seed ${opts.seed}`, adopt: true,
        });
        console.log(`registered ${m.name}: ${params}, ${formatBytes(made.bytes)} (random weights: output is noise)`);
      });
    });
}
