import type { Command } from "commander";
import { openApp } from "../../app.ts";
import { buildServer } from "../../api/server.ts";
import { authNotice } from "../../auth/notice.ts";
import { ensureDemoModel } from "../../models/demo.ts";

export function registerServe(program: Command) {
  program.command("serve").description("run the server (API and web app)")
    .option("--host <host>", "address to listen on", process.env.FREEHOLD_HOST ?? "127.0.0.1")
    .option("--port <port>", "port", (v) => parseInt(v, 10), Number(process.env.FREEHOLD_PORT ?? 11435))
    .option("--no-demo", "do not create the demo model on a first start")
    .action(async (opts: { host: string; port: number; demo: boolean }, cmd: Command) => {
      const app = await openApp({ home: cmd.optsWithGlobals().home });
      if (opts.demo) {
        const demo = await ensureDemoModel(app);
        if (demo) console.error(`first start: created demo model "${demo}" (random weights, output is noise). Pull a real one: freehold pull hf:<owner>/<repo>`);
      }
      const server = await buildServer(app, { host: opts.host, logger: { level: process.env.LOG_LEVEL ?? "info" } });
      const shutdown = async () => {
        await server.close();
        await app.close();
        process.exit(0);
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
      await server.listen({ host: opts.host, port: opts.port });
      console.error(`freehold listening on http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${opts.port} (data: ${app.paths.home})`);
      for (const line of await authNotice(app, opts.host)) console.error(line);
    });
}
