import { Command, CommanderError } from "commander";
import { FreeholdError } from "../errors.ts";
import { registerArena } from "./commands/arena.ts";
import { registerDev } from "./commands/dev.ts";
import { registerEval } from "./commands/eval.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerModelCommands } from "./commands/models.ts";
import { registerPull } from "./commands/pull.ts";
import { registerQuantize } from "./commands/quantize.ts";
import { registerRun } from "./commands/run.ts";
import { registerServe } from "./commands/serve.ts";
import { registerUpstream } from "./commands/upstream.ts";

const program = new Command("freehold")
  .description("Run, compare and improve open-weight models on your own machine")
  .option("--home <dir>", "data folder (default: $FREEHOLD_HOME or ~/.freehold)")
  .showHelpAfterError();

registerServe(program);
registerUpstream(program);
registerModelCommands(program);
registerPull(program);
registerQuantize(program);
registerRun(program);
registerDev(program);
registerKeys(program);
registerArena(program);
registerEval(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const message = e instanceof FreeholdError ? e.message : (e as Error)?.stack ?? String(e);
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
