import { Command, CommanderError } from "commander";
import { registerArena } from "./commands/arena.ts";
import { registerDev } from "./commands/dev.ts";
import { registerEval } from "./commands/eval.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerModelCommands } from "./commands/models.ts";
import { registerPull } from "./commands/pull.ts";
import { registerQuantize } from "./commands/quantize.ts";
import { registerRerank } from "./commands/rerank.ts";
import { registerRun } from "./commands/run.ts";
import { registerPs } from "./commands/ps.ts";
import { registerServe } from "./commands/serve.ts";
import { registerUpstream } from "./commands/upstream.ts";
import { errorText } from "./context.ts";

const program = new Command("freehold")
  .description("Run, compare and improve open-weight models on your own machine")
  .option("--home <dir>", "data folder (default: $FREEHOLD_HOME or ~/.freehold)")
  .showHelpAfterError("(add --help for usage)");

registerServe(program);
registerUpstream(program);
registerModelCommands(program);
registerPull(program);
registerQuantize(program);
registerRun(program);
registerPs(program);
registerRerank(program);
registerDev(program);
registerKeys(program);
registerArena(program);
registerEval(program);

// A reader that went away (`freehold list | head -3`) wants no more output: end quietly, as
// a SIGPIPE would, instead of with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(0);
  });
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  process.stderr.write(`error: ${errorText(e)}\n`);
  process.exit(1);
}
