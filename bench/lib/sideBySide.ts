import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerLinked } from "./models.ts";
import { nativeTools, startLlamaServer } from "./native.ts";
import { startFreehold } from "./proc.ts";

export interface SideBySide {
  freehold: { url: string };
  native: { url: string };
  stop(): Promise<void>;
}

/**
 * `freehold serve` as shipped (`threads`, the model kept loaded) with `file` registered as `name`,
 * and a native `llama-server --parallel 1 -c 4096` on the same file: the pair the latency
 * benches (prompt caching, code completion) compare, the same requests going to both.
 */
export async function startSideBySide(file: string, name: string, threads: number): Promise<SideBySide> {
  const tools = await nativeTools({ smokeModel: file });
  if (!tools.server) throw new Error("no native llama-server next to llama-bench");
  const home = mkdtempSync(join(tmpdir(), "fh-bench-pair-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads, defaultKeepAliveMs: -1 } }));
  const stops: (() => Promise<void>)[] = [async () => rmSync(home, { recursive: true, force: true })];
  const stop = async () => { for (const s of stops.reverse()) await s(); };
  try {
    await registerLinked(home, { [name]: file });
    const freehold = await startFreehold(home);
    stops.push(freehold.stop);
    const native = await startLlamaServer(tools.server, file, ["-c", "4096", "-t", String(threads), "--parallel", "1", "--no-webui"]);
    stops.push(native.stop);
    return { freehold, native, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
