import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { testModel } from "../helpers/models.ts";
import { cliRunner } from "../helpers/cli.ts";

const home = mkdtempSync(join(tmpdir(), "fh-cli-"));

const freehold = cliRunner(home);

describe("freehold CLI", () => {
  test("import, list, show (with predicted memory), run one-shot, cp, rm", async () => {
    const imported = await freehold("import", await testModel({ shape: "tiny-moe" }), "--name", "moe");
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toMatch(/imported moe \(llama, .* parameters, F32/);

    const list = await freehold("list");
    expect(list.stdout).toMatch(/^NAME\s+ARCH/m);
    expect(list.stdout).toMatch(/^moe\s+llama/m);

    const show = await freehold("show", "moe");
    expect(show.stdout).toMatch(/experts\s+4 \(2 used per token\)/);
    expect(show.stdout).toMatch(/active per token/);
    expect(show.stdout).toMatch(/memory \(predicted\).*KV cache for \d+ parallel sequences × \d+ tokens/);

    const answer = await freehold("run", "moe", "Hello", "--max-tokens", "8", "--seed", "3");
    expect(answer.code).toBe(0);
    expect(answer.stdout.length).toBeGreaterThan(0);
    // --verbose: ollama run's statistics after the answer, counts from the answer's usage.
    const verbose = await freehold("run", "moe", "Hello", "--max-tokens", "8", "--seed", "3", "--verbose");
    expect(verbose.stdout.startsWith(answer.stdout)).toBe(true);
    expect(verbose.stdout).toMatch(/^prompt eval count: +\d+ token\(s\)$/m);
    expect(verbose.stdout).toMatch(/^eval count: +[1-8] token\(s\)\neval duration: +\d+\.\d{3}s\neval rate: +\d+\.\d\d tokens\/s\n$/m);

    // --format json: a grammar holds the answer to JSON.
    const json = await freehold("run", "moe", "Give me JSON", "--format", "json", "--max-tokens", "64", "--seed", "3");
    expect(json.code).toBe(0);
    expect(json.stdout.trimStart().startsWith("{")).toBe(true);
    expect((await freehold("run", "moe", "x", "--format", "yaml")).stderr).toMatch(/--format <format>' argument 'yaml' is invalid/);

    // Models load in the server: without one, ps and stop say so.
    const ps = await freehold("ps");
    expect(ps.code).toBe(1);
    expect(ps.stderr).toMatch(/^error: no freehold serve is running for .*: models are loaded by the server/m);

    expect((await freehold("cp", "moe", "moe2")).code).toBe(0);
    expect((await freehold("rm", "moe")).stdout).toMatch(/removed moe/);
    expect((await freehold("list", "--json")).stdout).toContain('"moe2"');
  }, 120_000);

  test("run --suffix fills in the middle on a code model; other models and a missing prompt are refused", async () => {
    await freehold("import", await testModel({ shape: "tiny-coder" }), "--name", "coder");
    await freehold("import", await testModel({ shape: "tiny" }), "--name", "plain");
    const args = ["run", "coder", "def add(a, b):", "--suffix", "print(add(1, 2))", "--max-tokens", "6", "--temperature", "0"];
    const first = await freehold(...args);
    expect(first.code).toBe(0);
    expect(first.stdout.length).toBeGreaterThan(1);
    expect((await freehold(...args)).stdout).toBe(first.stdout);
    // Without the suffix it is a chat turn: another prompt, another answer.
    expect((await freehold(...args.slice(0, 3), "--max-tokens", "6", "--temperature", "0")).stdout).not.toBe(first.stdout);
    expect((await freehold("run", "plain", "a", "--suffix", "b")).stderr).toMatch(/^error: this model does not support insert/m);
    expect((await freehold("run", "coder", "--suffix", "b")).stderr).toMatch(/^error: --suffix needs a prompt/m);
  }, 60_000);

  test("run --prediction: the answer is the same, and --verbose says how much of the prediction was kept", async () => {
    await freehold("import", await testModel({ shape: "tiny" }), "--name", "editor");
    const args = ["run", "editor", "Repeat the poem", "--max-tokens", "24", "--temperature", "0"];
    const plain = await freehold(...args);
    expect(plain.code).toBe(0);
    const file = join(home, "expected.txt");
    writeFileSync(file, plain.stdout.replace(/\n$/, ""));
    const predicted = await freehold(...args, "--prediction", file, "--verbose");
    expect(predicted.code).toBe(0);
    expect(predicted.stdout.startsWith(plain.stdout)).toBe(true);
    expect(predicted.stdout).toMatch(/^prediction: +\d+ token\(s\) kept, \d+ thrown away$/m);
    expect((await freehold("run", "editor", "--prediction", file)).stderr).toMatch(/^error: --prediction needs a prompt/m);
    expect((await freehold(...args, "--prediction", join(home, "missing.txt"))).stderr).toMatch(/^error: no such file: .*missing\.txt$/m);
  }, 60_000);

  test("run --draft, and a Modelfile's PARAMETER draft_model: the same answer, and --verbose says how much of the draft was kept", async () => {
    await freehold("import", await testModel({ pair: { draftLayers: 1 } }), "--name", "big");
    await freehold("import", await testModel({ pair: { draftLayers: 1, draft: true } }), "--name", "small");
    const args = ["run", "big", "lanterns", "--max-tokens", "32", "--temperature", "0", "--verbose"];
    const plain = await freehold(...args);
    expect(plain.code).toBe(0);
    const answer = plain.stdout.slice(0, plain.stdout.indexOf("total duration:"));
    const drafted = await freehold(...args, "--draft", "small");
    expect(drafted.code).toBe(0);
    expect(drafted.stdout.startsWith(answer)).toBe(true);
    expect(drafted.stdout).toMatch(/^draft: +[1-9]\d* of [1-9]\d* drafted token\(s\) kept$/m);
    expect((await freehold(...args, "--draft", "nope")).stderr).toMatch(/^error: draft model "nope" not found/m);

    const dir = mkdtempSync(join(tmpdir(), "fh-modelfile-"));
    writeFileSync(join(dir, "Modelfile"), "FROM big\nPARAMETER draft_model small\n");
    expect((await freehold("create", "big-fast", "-f", join(dir, "Modelfile"))).code).toBe(0);
    const viaPreset = await freehold("run", "big-fast", ...args.slice(2));
    expect(viaPreset.stdout.startsWith(answer)).toBe(true);
    expect(viaPreset.stdout).toMatch(/^draft: +[1-9]/m);
  }, 60_000);

  test("create: a Modelfile FROM a registered model or a GGUF file next to it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fh-modelfile-"));
    await freehold("import", await testModel({ shape: "tiny" }), "--name", "base");
    writeFileSync(join(dir, "Modelfile"), 'FROM base\nSYSTEM """Answer in French."""\nPARAMETER temperature 0.1\nPARAMETER stop "###"\n');
    expect((await freehold("create", "french", "-f", join(dir, "Modelfile"))).stdout).toBe("created french\n");
    expect(JSON.parse((await freehold("show", "french", "--json")).stdout).preset)
      .toEqual({ system: "Answer in French.", parameters: { temperature: 0.1, stop: ["###"] } });
    const shown = await freehold("show", "french");
    expect(shown.stdout).toMatch(/^system prompt\s+Answer in French\.$/m);
    expect(shown.stdout).toMatch(/^parameters\s+.*temperature 0\.1/m);
    // FROM a path is relative to the Modelfile, as in Ollama.
    writeFileSync(join(dir, "weights.gguf"), readFileSync(await testModel({ shape: "tiny", seed: 5 })));
    writeFileSync(join(dir, "FromFile"), "FROM ./weights.gguf\nPARAMETER num_ctx 512\n");
    expect((await freehold("create", "from-file", "-f", join(dir, "FromFile"))).code).toBe(0);
    expect(JSON.parse((await freehold("show", "from-file", "--json")).stdout)).toMatchObject({ source: "import", preset: { parameters: { num_ctx: 512 } } });
    const missing = await freehold("create", "x", "-f", join(dir, "Nope"));
    expect(missing.stderr).toMatch(/^error: no Modelfile at .*Nope \(give one with -f\)/);
    writeFileSync(join(dir, "Bad"), "FROM base\nTEMPLATE {{ .Prompt }}\n");
    expect((await freehold("create", "x", "-f", join(dir, "Bad"))).stderr).toMatch(/^error: custom templates are not supported/);
    expect((await freehold("list")).stdout).not.toMatch(/^x\s/m);
    // ADAPTER: a LoRA adapter next to the Modelfile (here made by `dev make-adapter`), applied on top of FROM's weights.
    const made = await freehold("dev", "make-adapter", await testModel({ shape: "tiny" }), "--out", join(dir, "style.gguf"), "--rank", "4");
    expect(made.stdout).toMatch(/^wrote .*style\.gguf: LoRA rank 4 on 4 llama weights/);
    writeFileSync(join(dir, "Tuned"), "FROM base\nADAPTER ./style.gguf\n");
    expect((await freehold("create", "tuned", "-f", join(dir, "Tuned"))).stdout).toBe("created tuned\n");
    expect((await freehold("show", "tuned")).stdout).toMatch(/^LoRA adapters\s+style\.gguf \(sha256 [0-9a-f]{12}\)$/m);
    expect((await freehold("show", "tuned", "--modelfile")).stdout).toMatch(/^FROM tuned\nADAPTER style\.gguf$/m);
    const ask = (model: string) => freehold("run", model, "The quick brown", "--max-tokens", "8", "--temperature", "0");
    expect((await ask("tuned")).stdout).not.toBe((await ask("base")).stdout);
    writeFileSync(join(dir, "Wrong"), "FROM base\nADAPTER ./weights.gguf\n");
    expect((await freehold("create", "x", "-f", join(dir, "Wrong"))).stderr).toMatch(/^error: .*weights\.gguf is not a LoRA adapter/m);
  }, 60_000);

  test("rerank: a reranker orders documents, given as arguments or lines on standard input; other models are refused", async () => {
    await freehold("import", await testModel({ shape: "tiny-rerank", seed: 3 }), "--name", "rr");
    const table = await freehold("rerank", "rr", "what is the water like", "the water is blue", "hello world", "open data");
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^RANK\s+SCORE\s+#\s+DOCUMENT\n1\s+0\.\d{4}\s+[123]\s+\S/);
    const ranked = JSON.parse((await freehold("rerank", "rr", "what is the water like", "the water is blue", "hello world", "open data", "--json")).stdout);
    expect(ranked.map((r: { index: number }) => r.index).sort()).toEqual([0, 1, 2]);
    expect(ranked.map((r: { score: number }) => r.score)).toEqual(ranked.map((r: { score: number }) => r.score).sort((a: number, b: number) => b - a));
    const piped = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "rerank", "rr", "what is the water like", "--json", "--top", "1"]);
    let out = "";
    piped.stdout.on("data", (d) => { out += d; });
    piped.stdin.end("the water is blue\nhello world\n\nopen data\n");
    await new Promise((r) => piped.on("exit", r));
    expect(JSON.parse(out)).toEqual([ranked[0]]);
    await freehold("import", await testModel({ shape: "tiny" }), "--name", "chatty");
    expect((await freehold("rerank", "chatty", "q", "d")).stderr).toMatch(/^error: chatty is not a reranker/m);
  });

  test("clear errors: unknown model, bad file, taken name", async () => {
    const unknown = await freehold("show", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: model "nope" not found/);

    const bad = join(home, "bad.gguf");
    writeFileSync(bad, "not a model");
    const badImport = await freehold("import", bad);
    expect(badImport.code).toBe(1);
    expect(badImport.stderr).toMatch(/not a valid GGUF/);
    expect(badImport.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 60_000);

  test("dev make-model registers a generated MoE model", async () => {
    const r = await freehold("dev", "make-model", "--shape", "tiny-moe", "--name", "gen-moe");
    expect(r.stdout).toMatch(/registered gen-moe: .*active/);
    expect((await freehold("list")).stdout).toMatch(/^gen-moe\s+llama/m);
  }, 60_000);
});

describe("freehold CLI input and output edges", () => {
  test("a reader that closes its end early (`freehold list | head`) ends the process quietly", async () => {
    const child = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "list"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // before the first write: every write meets EPIPE
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 60_000);

  test.each([
    [["show", "any", "--context", "abc"], "--context <tokens>", "a whole number of at least 1"],
    [["show", "any", "--context", "0"], "--context <tokens>", "a whole number of at least 1"],
    [["show", "any", "--context", "-5"], "--context <tokens>", "a whole number of at least 1"],
    [["run", "any", "hi", "--seed", "abc"], "--seed <n>", "a whole number from 0 to 4294967295"],
    [["run", "any", "hi", "--max-tokens", "1.5"], "--max-tokens <n>", "a whole number of at least 1"],
    [["run", "any", "hi", "--temperature", "hot"], "--temperature <t>", "a number of at least 0"],
    [["serve", "--port", "70000"], "--port <port>", "a whole number from 0 to 65535"],
    [["dev", "make-model", "--shape", "huge"], "--shape <shape>", "Allowed choices are tiny, tiny-moe"],
    [["dev", "make-model", "--type", "q4_0"], "--type <type>", "Allowed choices are f32, f16"],
  ])("%j: one line naming the option and what it accepts, exit 1", async (args, option, accepted) => {
    const r = await freehold(...args);
    expect(r.code).toBe(1);
    const [first] = r.stderr.split("\n");
    expect(first).toContain(`error: option '${option}' argument '${args.at(-1)}' is invalid`);
    expect(first).toContain(accepted);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toMatch(/Usage:/); // a hint, not the whole help
  }, 60_000);

  test("dev make-model checks the name before generating and leaves no file behind", async () => {
    const leftovers = () => [
      ...readdirSync(tmpdir()).filter((f) => /^freehold-tiny-\d+\.gguf/.test(f)),
      ...readdirSync(join(home, "downloads")),
    ];
    await freehold("dev", "make-model", "--name", "taken"); // creates the data folder too
    const before = leftovers();
    const taken = await freehold("dev", "make-model", "--name", "taken");
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^error: a model named "taken" already exists/);
    const invalid = await freehold("dev", "make-model", "--name", "bad..name");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: invalid model name "bad\.\.name"/);
    expect(leftovers()).toEqual(before);
  }, 60_000);
});
