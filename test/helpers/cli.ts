import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const BIN = resolve("bin/freehold.js");

export interface CliResult { code: number; stdout: string; stderr: string }

/**
 * The real `freehold` CLI in a child process on `home`, with `prefix` before the arguments (e.g.
 * "keys"). The runner resolves with output and exit code and never throws.
 */
export function cliRunner(home: string, ...prefix: string[]) {
  return async (...args: string[]): Promise<CliResult> => {
    try {
      const r = await run(process.execPath, [BIN, "--home", home, ...prefix, ...args], { timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e: any) {
      return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
    }
  };
}
