import type { Command } from "commander";
import { withAppOrServer } from "../context.ts";
import { printTable } from "./models.ts";

interface AddOptions { baseUrl: string; apiKey?: string; apiKeyEnv?: string; remoteModel?: string }

/** Through the server's /v1/upstreams while it holds the embedded database. */
const remote = () => import("../remoteAdmin.ts");

/** `freehold upstream add|list|rm`: remote OpenAI-compatible engines served as local model names. */
export function registerUpstream(program: Command) {
  const upstream = program.command("upstream").description("serve models of a remote OpenAI-compatible engine (vLLM, llama-server, Ollama, a hosted API)");

  upstream.command("add <name>").description("register an upstream model under a local name")
    .requiredOption("--base-url <url>", "the engine's API root, as you would give the OpenAI SDK (e.g. http://host:8000/v1)")
    .option("--api-key <key>", "API key, stored encrypted (\"-\" reads it from stdin, keeping it out of shell history)")
    .option("--api-key-env <VAR>", "read the API key from this environment variable of the server instead")
    .option("--remote-model <model>", "model name on the upstream (default: <name>)")
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      const apiKey = opts.apiKey === "-" ? (await readStdin()).trim() : opts.apiKey;
      const add = { name, baseUrl: opts.baseUrl, apiKey, apiKeyEnv: opts.apiKeyEnv, remoteModel: opts.remoteModel };
      const u = await withAppOrServer(cmd, (app) => app.upstreams.add(add), async (server) => (await remote()).remoteAddUpstream(server, add));
      console.log(`added upstream ${u.name} → ${u.remoteModel} at ${u.baseUrl} (key: ${u.key})`);
    });

  upstream.command("list").alias("ls").description("list upstream models (keys are never shown)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withAppOrServer(cmd, (app) => app.upstreams.list(), async (server) => (await remote()).remoteUpstreams(server));
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (!list.length) return console.log("no upstreams yet: `freehold upstream add <name> --base-url <url>`");
      printTable(["NAME", "REMOTE MODEL", "BASE URL", "KEY", "SOURCE"], list.map((u) => [u.name, u.remoteModel, u.baseUrl, u.key, u.source]));
    });

  upstream.command("rm <name>").alias("remove").description("remove an upstream (config.json ones are edited there)")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await withAppOrServer(cmd, (app) => app.upstreams.remove(name), async (server) => (await remote()).remoteRemoveUpstream(server, name));
      console.log(`removed upstream ${name}`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
