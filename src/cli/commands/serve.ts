import type { Command } from "commander";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { openApp } from "../../app.ts";
import { buildServer } from "../../api/server.ts";
import { authNotice } from "../../auth/notice.ts";
import { ensureDemoModel } from "../../models/demo.ts";
import { fullGc } from "../gc.ts";
import { FreeholdError } from "../../errors.ts";
import { integer } from "../options.ts";
import { clientUrl, recordServer } from "../runningServer.ts";
import { governYoungGeneration } from "../youngGeneration.ts";

export const DEFAULT_PORT = 11435;

/**
 * The port from $FREEHOLD_PORT, else config.json, else the default. Both are checked as strictly
 * as --port: `Number("")` is 0 (any free port) and `Number("80a")` NaN, which Node would turn
 * into a random port or an obscure error instead of the one the user meant.
 */
export function listenPort(env: string | undefined, config: unknown): number {
  const check = integer(0, 65535);
  const parse = (raw: string, where: string) => {
    try { return check(raw); } catch (e) { throw new FreeholdError("invalid_request", `${where}: ${(e as Error).message}`); }
  };
  if (env !== undefined && env !== "") return parse(env, `$FREEHOLD_PORT is ${JSON.stringify(env)}`);
  if (config === undefined) return DEFAULT_PORT;
  // A number in JSON, not a string of digits: config.json is typed, as --port's value is parsed.
  return parse(typeof config === "number" ? String(config) : "", `server.port in config.json is ${JSON.stringify(config)}`);
}

export function registerServe(program: Command) {
  program.command("serve").description("run the server (API and web app)")
    .option("--host <host>", "address to listen on (default: $FREEHOLD_HOST, config.json, 127.0.0.1)")
    .option("--port <port>", `port, 0 for any free one (default: $FREEHOLD_PORT, config.json, ${DEFAULT_PORT})`, integer(0, 65535))
    .option("--no-demo", "do not create the demo model on a first start")
    .action(async (opts: { host?: string; port?: number; demo: boolean }, cmd: Command) => {
      const app = await openApp({ home: cmd.optsWithGlobals().home });
      // Flags win over the environment, which wins over config.json.
      const host = opts.host ?? process.env.FREEHOLD_HOST ?? app.config.server?.host ?? "127.0.0.1";
      const port = opts.port ?? listenPort(process.env.FREEHOLD_PORT, app.config.server?.port);
      if (opts.demo) {
        const demo = await ensureDemoModel(app);
        if (demo) console.error(`first start: created demo model "${demo}" (random weights, output is noise). Pull a real one: freehold pull hf:<owner>/<repo>`);
      }
      // For the CLI on this machine: `freehold keys create` and the like go through this server.
      const localToken = `fhl_${randomBytes(30).toString("base64url")}`;
      const server = await buildServer(app, { host, localToken, logger: { level: process.env.LOG_LEVEL ?? "info" } });
      let stopping = false;
      let forget = () => {};
      const shutdown = async () => {
        if (stopping) process.exit(1); // a second signal: stop now
        stopping = true;
        forget();
        await server.close();
        await app.close();
        process.exit(0);
      };
      // `on`, not `once`: node-llama-cpp's lock files listen through signal-exit, which kills the
      // process with the signal when it finds no other listener left, before the shutdown ends.
      process.on("SIGINT", shutdown);
      process.on("SIGTERM", shutdown);
      await server.listen({ host, port });
      governYoungGeneration(); // after start: loading the modules must not count as load
      // Start-up garbage (the 9 MB buffer PGlite compiled its WebAssembly from, migrations, module
      // loading) waits for a full collection, which an idle server may not need for hours.
      fullGc();
      const bound = (server.server.address() as AddressInfo).port;
      // While this process holds the embedded database, the CLI (list, run, keys, …) goes through it.
      forget = recordServer(app.paths.home, clientUrl(host, bound), localToken);
      console.error(`freehold listening on http://${host.includes(":") ? `[${host}]` : host}:${bound} (data: ${app.paths.home})`);
      for (const line of await authNotice(app, host)) console.error(line);
    });
}
