import type { Command } from "commander";
import { homedir } from "node:os";
import { basename, dirname, resolve } from "node:path";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { nameFromFile } from "../../models/names.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { withAppOrServer, formatBytes, formatCount } from "../context.ts";
import { integer } from "../options.ts";
import { progressBar } from "../progress.ts";

/** import, create, list, show, rm, cp: the model registry from the terminal. */
export function registerModelCommands(program: Command) {
  program.command("import <file>")
    .description("register a local GGUF file (copied into the data folder)")
    .option("--name <name>", "model name (default: from the file name)")
    .action(async (file: string, opts: { name?: string }, cmd: Command) => {
      type Imported = Pick<ModelRecord, "name" | "architecture" | "parameterCount" | "quantization" | "sizeBytes">;
      const m = await withAppOrServer<Imported>(cmd, (app) => app.models.register(file, { name: opts.name }),
        // Through a running server: uploaded to it (over loopback), as `ollama create` does.
        async (server) => {
          const remote = await import("../remote.ts");
          const name = opts.name ?? nameFromFile(basename(file));
          const bar = await progressBar("uploading [{bar}] {percentage}% {done}/{size}");
          await remote.remoteImport(server, file, name, ({ uploaded, total }) => bar.update(uploaded, total, { done: formatBytes(uploaded), size: formatBytes(total) }))
            .finally(() => bar.stop());
          return remote.remoteShow(server, name);
        });
      console.log(`imported ${m.name} (${m.architecture}, ${formatCount(m.parameterCount)} parameters, ${m.quantization}, ${formatBytes(m.sizeBytes)})`);
    });

  program.command("create <name>")
    .description("make a model from a Modelfile (FROM a model or a GGUF file; SYSTEM, PARAMETER, MESSAGE, LICENSE, ADAPTER)")
    .option("-f, --file <Modelfile>", "the Modelfile", "Modelfile")
    .option("-q, --quantize <type>", "quantize the weights of the FROM model, e.g. Q4_K_M")
    .action(async (name: string, opts: { file: string; quantize?: string }, cmd: Command) => {
      const { readFile } = await import("node:fs/promises");
      const { isFileReference, parseModelfile } = await import("../../models/modelfile.ts");
      const text = await readFile(opts.file, "utf8").catch((e: NodeJS.ErrnoException) => {
        throw invalid(e.code === "ENOENT" ? `no Modelfile at ${opts.file} (give one with -f)` : `cannot read ${opts.file}: ${e.message}`);
      });
      const spec = parseModelfile(text);
      // As Ollama: FROM a path is a file, relative to the Modelfile; anything else a model name. ADAPTER is always a file.
      const near = (p: string) => resolve(dirname(opts.file), p.replace(/^~(?=\/)/, homedir()));
      const file = isFileReference(spec.from!) ? near(spec.from!) : undefined;
      const adapters = spec.adapters.map(near);
      if (file && opts.quantize) throw invalid("-q quantizes a registered model: import the file first (freehold import), then create FROM its name");
      const preset = {
        system: spec.system,
        parameters: Object.keys(spec.parameters).length ? spec.parameters : undefined,
        messages: spec.messages.length ? spec.messages : undefined,
        license: spec.license.length ? spec.license : undefined,
      };
      const bar = await progressBar(file ? "uploading [{bar}] {percentage}%" : "quantizing [{bar}] {value}/{total} tensors");
      try {
        await withAppOrServer(cmd,
          async (app) => {
            const [{ checkPreset }, { deriveModel, templateRefused }, { mergePresets }] = await Promise.all([
              import("../../models/presetParameters.ts"), import("../../models/derive.ts"), import("../../models/preset.ts")]);
            const over = checkPreset(preset);
            if (adapters.length) {
              const base = file ?? (await app.models.get(spec.from!)).path;
              over.adapters = [];
              for (const a of adapters) {
                const { name: adapterName, sha256 } = await app.models.addAdapter(a, base);
                over.adapters.push({ name: adapterName, sha256 });
              }
            }
            if (!file) {
              return void await deriveModel(app, name, spec.from!, over, {
                template: spec.template, quantize: opts.quantize, onProgress: (p) => bar.update(p.tensorsDone, p.tensorsTotal),
              });
            }
            if (spec.template) throw templateRefused();
            await app.models.register(file, { name, preset: mergePresets(null, over) });
          },
          async (server) => {
            const remote = await import("../remote.ts");
            // Uploaded as blobs first, as `ollama create` sends ADAPTER files.
            const uploaded: Record<string, string> = {};
            for (const a of adapters) uploaded[basename(a)] = await remote.uploadBlob(server, a);
            const withAdapters = { ...preset, ...(adapters.length ? { adapters: uploaded } : {}) };
            if (file) return remote.remoteImport(server, file, name, (p) => bar.update(p.uploaded, p.total), withAdapters);
            await remote.remoteCreate(server, { model: name, from: spec.from, quantize: opts.quantize, template: spec.template, ...withAdapters },
              (p) => bar.update(p.done, p.total));
          });
      } finally {
        bar.stop();
      }
      console.log(`created ${name}`);
    });

  program.command("list").alias("ls").description("list models")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => withAppOrServer(cmd,
      async (app) => {
        const models = await app.models.list();
        if (opts.json) return console.log(JSON.stringify(models, null, 2));
        printModels(models.map((m) => [m.name, m.architecture ?? "-", formatCount(m.parameterCount), m.quantization ?? "-", formatBytes(m.sizeBytes), m.source]));
      },
      // Through a running server: its /api/tags entries (no source), and those as the JSON.
      async (server) => {
        const models = await (await import("../remote.ts")).remoteModels(server);
        if (opts.json) return console.log(JSON.stringify(models, null, 2));
        printModels(models.map((m) => [m.name, m.details.family || "-", m.details.parameter_size || "-", m.details.quantization_level || "-", formatBytes(m.size), "-"]));
      }));

  program.command("show <model>").description("show a model's details and predicted memory")
    .option("--json", "machine-readable output")
    .option("--modelfile", "print a Modelfile that recreates the model (system prompt, parameters, messages)")
    .option("--context <tokens>", "context size for the memory prediction", integer(1))
    .action(async (name: string, opts: { json?: boolean; modelfile?: boolean; context?: number }, cmd: Command) => {
      const print = async (m: Shown) => {
        if (opts.json) return console.log(JSON.stringify(m, null, 2));
        if (opts.modelfile) return process.stdout.write((await import("../../models/modelfile.ts")).writeModelfile(m.name, m.chatTemplate, m.preset));
        await printModel(m);
      };
      await withAppOrServer(cmd,
        async (app) => {
          const m = await app.models.get(name);
          await print({ ...m, memory: await app.runtime.predictMemory(m.path, { contextSize: opts.context }) });
        },
        // Through a running server: the same record, without its file's path.
        async (server) => print(await (await import("../remote.ts")).remoteShow(server, name, opts.context)));
    });

  program.command("rm <model>").alias("remove").description("remove a model and its file")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await withAppOrServer(cmd, (app) => app.models.remove(name), async (server) => (await import("../remote.ts")).remoteRemove(server, name));
      console.log(`removed ${name}`);
    });

  program.command("cp <from> <to>").alias("copy").description("give a model a second name (shares the file)")
    .action(async (from: string, to: string, _o: unknown, cmd: Command) => {
      await withAppOrServer(cmd, async (app) => { await app.models.copy(from, to); }, async (server) => (await import("../remote.ts")).remoteCopy(server, from, to));
      console.log(`copied ${from} to ${to}`);
    });
}

const oneLine = (s: string) => (s.length > 100 ? `${s.slice(0, 100)}…` : s).replace(/\s+/g, " ");

type Shown = Omit<ModelRecord, "path" | "createdAt"> & { path?: string; memory: Awaited<ReturnType<App["runtime"]["predictMemory"]>> };

async function printModel(m: Shown) {
  const { memory } = m;
  const active = (m.metadata as any)?.activeParameterCount as number | undefined;
  const lines: [string, string][] = [
    ["name", m.name], ["architecture", m.architecture ?? "-"],
    ["parameters", formatCount(m.parameterCount) + (m.expertCount ? ` total, ${formatCount(active)} active per token` : "")],
    ...(m.expertCount ? [["experts", `${m.expertCount} (${m.expertUsedCount} used per token)`] as [string, string]] : []),
    ["quantization", m.quantization ?? "-"], ["context length", String(m.contextLength ?? "-")],
    ["size", formatBytes(m.sizeBytes)], ["sha256", m.sha256 ?? "-"], ["source", `${m.source} ${m.sourceRef ?? ""}`.trim()],
    ["memory (predicted)", `${formatBytes(memory.totalBytes)} = weights ${formatBytes(memory.weightsBytes)} + context ${formatBytes(memory.kvCacheBytes)} (KV cache for ${memory.sequences} parallel sequences × ${memory.contextSize} tokens, and buffers)`],
    ...(m.description ? [["description", m.description] as [string, string]] : []),
    ...(m.preset?.system ? [["system prompt", oneLine(m.preset.system)] as [string, string]] : []),
    ...(m.preset?.parameters ? [["parameters", Object.entries(m.preset.parameters).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")] as [string, string]] : []),
    ...(m.preset?.messages ? [["messages", `${m.preset.messages.length} opening every conversation`] as [string, string]] : []),
    ...(m.preset?.adapters ? [["LoRA adapters", m.preset.adapters.map((a) => `${a.name} (sha256 ${a.sha256.slice(0, 12)})`).join(", ")] as [string, string]] : []),
    ...(m.path ? [["path", m.path] as [string, string]] : []),
  ];
  for (const [k, v] of lines) console.log(`${k.padEnd(20)} ${v}`);
  const [{ storedReport }, { formatReport }] = await Promise.all([import("../../quantize/reportJob.ts"), import("../../quantize/formatReport.ts")]);
  const card = storedReport(m);
  if (card) {
    console.log("\nquantization report card");
    for (const line of formatReport(card)) console.log(`  ${line}`);
  }
}

function printModels(rows: string[][]) {
  if (!rows.length) return console.log("no models yet: `freehold pull hf:<owner>/<repo>` or `freehold import <file.gguf>`");
  printTable(["NAME", "ARCH", "PARAMS", "QUANT", "SIZE", "SOURCE"], rows);
}

export function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
}
