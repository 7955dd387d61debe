import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { wideModel } from "./helpers.ts";
import { cliRunner } from "../helpers/cli.ts";

const home = mkdtempSync(join(tmpdir(), "fh-quant-cli-"));

const freehold = cliRunner(home);

describe("freehold quantize", () => {
  test("quantize prints a summary; report prints the card; bad input exits 1 with the reason", async () => {
    expect((await freehold("import", await wideModel(), "--name", "wide")).code).toBe(0);
    const q = await freehold("quantize", "wide", "--to", "q4_k_m", "--threads", "1");
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/quantized wide → wide:q4_k_m \(Q4_K_M\) in [\d.]+ s/);
    expect(q.stdout).toMatch(/size\s+6\.8 MB → 1\.1 MB/);
    expect(q.stdout).toMatch(/bits per weight 32 → 5\.04/);

    const r = await freehold("quantize", "report", "wide:q4_k_m", "--threads", "1");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/quantization report: wide:q4_k_m against wide/);
    expect(r.stdout).toMatch(/KL divergence\s+mean 0\.00\d+/);
    expect(r.stdout).toMatch(/, 1 thread\n/);

    const bad = await freehold("quantize", "wide", "--to", "Q7_X");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unknown quantization type "Q7_X"; valid types:/);
    const requant = await freehold("quantize", "wide:q4_k_m", "--to", "q2_k");
    expect(requant.stderr).toMatch(/already quantized \(Q4_K_M\).*--allow-requantize/);
  }, 180_000); // four CLI processes, two of them quantizing: slow on a loaded 2-core machine
});
