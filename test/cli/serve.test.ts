import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, describe, expect, test } from "vitest";
import { runningServer } from "../../src/cli/runningServer.ts";
import { cliRunner } from "../helpers/cli.ts";
import { startFakeHub, type FakeHub } from "../helpers/fakeHub.ts";
import { testAdapter, testModel } from "../helpers/models.ts";

let child: ChildProcess | undefined;
const started: ChildProcess[] = [];
const hubs: FakeHub[] = [];
afterAll(async () => {
  for (const c of started) c.kill("SIGKILL");
  await Promise.all(hubs.map((h) => h.close()));
});

/** Starts `freehold serve` as a user would and resolves with its URL from the startup line. */
function serve(home: string, env: Record<string, string> = {}): Promise<{ url: string; stderr: () => string }> {
  child = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  started.push(child);
  let err = "";
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start:\n${err}`)), 60_000);
    child!.stderr!.on("data", (d) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) { clearTimeout(timer); ok({ url: m[1], stderr: () => err }); }
    });
    child!.on("exit", (code) => fail(new Error(`serve exited ${code}:\n${err}`)));
  });
}

describe("freehold serve on a fresh data folder", () => {
  test("first start creates the labelled demo model; /health answers; the demo model chats; SIGTERM stops cleanly", async () => {
    const { url, stderr } = await serve(mkdtempSync(join(tmpdir(), "fh-serve-")));
    expect(stderr()).toMatch(/created demo model "demo-random-tiny" \(random weights/);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none" });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("demo-random-tiny");
    const r = await client.chat.completions.create({ model: "demo-random-tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);

    const exited = new Promise<number | null>((r) => child!.on("exit", r));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});

describe("other commands while serve holds the embedded database", () => {
  test("list, show, import, create, quantize, cp, rm, pull and run go through the server; the rest say where it is and what to do; its record goes when it stops", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-serve-"));
    // The server downloads, so it is the one that must reach the (loopback) hub.
    const hub = await startFakeHub({ files: { "acme/tiny-GGUF": [{ path: "tiny-Q8_0.gguf", content: await readFile(await testModel({ seed: 11 })) }] } });
    hubs.push(hub);
    const { url } = await serve(home, { HF_ENDPOINT: hub.endpoint });
    const server = child!;
    expect(runningServer(home)).toEqual({ pid: server.pid, url, token: expect.stringMatching(/^fhl_/) });
    const freehold = cliRunner(home);

    const list = await freehold("list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^demo-random-tiny\s+llama\s+\S+\s+F32/m);
    expect(list.stderr).toContain(`going through ${url}`);
    expect(JSON.parse((await freehold("list", "--json")).stdout).map((m: { name: string }) => m.name)).toEqual(["demo-random-tiny"]);

    const show = await freehold("show", "demo-random-tiny");
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^name\s+demo-random-tiny$/m);
    expect(show.stdout).toMatch(/^memory \(predicted\)\s+\S+ MB = weights/m);
    expect(show.stdout).not.toMatch(/^path/m); // the server's file system stays its own
    const shown = JSON.parse((await freehold("show", "demo-random-tiny", "--json", "--context", "256")).stdout);
    expect(shown).toMatchObject({ name: "demo-random-tiny", architecture: "llama", memory: { contextSize: 256 } });
    expect(shown.path).toBeUndefined();

    expect((await freehold("cp", "demo-random-tiny", "second-name")).stdout).toBe("copied demo-random-tiny to second-name\n");
    expect((await freehold("list")).stdout).toMatch(/^second-name\s+llama/m);
    expect((await freehold("rm", "second-name")).stdout).toBe("removed second-name\n");
    expect((await freehold("list")).stdout).not.toMatch(/second-name/);
    const gone = await freehold("rm", "second-name");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/error: model "second-name" not found/);

    // Named as a local pull names it (<owner>/<repo>:<quant>), not after the reference as Ollama's pull.
    const pulled = await freehold("pull", "hf:acme/tiny-GGUF");
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/^pulled acme\/tiny-gguf:q8_0 \(F32, /m);
    const renamed = await freehold("pull", "hf:acme/tiny-GGUF", "--name", "tiny-again");
    expect(renamed.stdout).toMatch(/^pulled tiny-again /m);
    expect((await freehold("list")).stdout).toMatch(/^acme\/tiny-gguf:q8_0\s[\s\S]*^tiny-again\s/m);
    const missing = await freehold("pull", "hf:acme/nothing-here");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*acme\/nothing-here/m);

    const once = await freehold("run", "demo-random-tiny", "Hello", "--max-tokens", "5", "--seed", "1", "--verbose");
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^eval count: +5 token\(s\)$/m); // the usage the server streamed
    const json = await freehold("run", "demo-random-tiny", "Give me JSON", "--format", "json", "--max-tokens", "64", "--seed", "1");
    expect(json.stdout.trimStart().startsWith("{")).toBe(true); // response_format json_object through the server

    // ps and stop ask the server, which holds the models (as ollama ps and ollama stop).
    expect((await freehold("ps")).stdout).toMatch(/^NAME +ID +SIZE +PROCESSOR +CONTEXT +UNTIL\ndemo-random-tiny:latest +[0-9a-f]{12} +\S+ \S+ +100% CPU +\d+ +\d+ (minutes?|seconds?) from now$/m);
    expect((await freehold("stop", "demo-random-tiny")).stdout).toBe("stopped demo-random-tiny\n");
    expect((await freehold("ps")).stdout).toBe("NAME  ID  SIZE  PROCESSOR  CONTEXT  UNTIL\n");
    expect((await freehold("stop", "nope")).stderr).toMatch(/error: model "nope" not found/);

    const chat = spawnSync(process.execPath, [resolve("bin/freehold.js"), "--home", home, "run", "demo-random-tiny", "--max-tokens", "4"],
      { input: "hello\nhow are you\n/save chat-kept\n", encoding: "utf8", timeout: 60_000 });
    expect(chat.status).toBe(0);
    expect(chat.stdout.match(/>>> /g)).toHaveLength(4);
    // /save through the server: Ollama's create with the conversation as messages.
    expect(JSON.parse((await freehold("show", "chat-kept", "--json")).stdout).preset.messages).toHaveLength(4);

    const unknown = await freehold("run", "nope", "hi");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error: model "nope" not found/);

    // import uploads the file to the server (a blob, as `ollama create` does), then registers it.
    const file = await testModel({ shape: "tiny-moe", seed: 4 });
    const imported = await freehold("import", file, "--name", "uploaded-moe");
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^imported uploaded-moe \(llama, \S+ parameters, F32, /m);
    expect(JSON.parse((await freehold("show", "uploaded-moe", "--json")).stdout)).toMatchObject({ expertCount: 4, source: "import" });
    const cut = join(home, "cut.gguf");
    writeFileSync(cut, (await readFile(file)).subarray(0, 2000));
    const refused = await freehold("import", cut);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: cut\.gguf is truncated/m);
    expect((await freehold("import", join(home, "nothing.gguf"))).stderr).toMatch(/^error: no such file: .*nothing\.gguf$/m);

    // Fill in the middle through the server's /v1/completions, as the same request made directly.
    expect((await freehold("import", await testModel({ shape: "tiny-coder" }), "--name", "coder")).code).toBe(0);
    const insert = await freehold("run", "coder", "def add(a, b):", "--suffix", "print(add(1, 2))", "--max-tokens", "6", "--temperature", "0");
    expect(insert.code).toBe(0);
    const direct = await (await fetch(`${url}/v1/completions`, {
      method: "POST", headers: { authorization: `Bearer ${runningServer(home)!.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", prompt: "def add(a, b):", suffix: "print(add(1, 2))", max_tokens: 6, temperature: 0 }),
    })).json();
    expect(insert.stdout).toBe(`${direct.choices[0].text}\n`);
    // --prediction goes to the server as Predicted Outputs; its counts come back in the stream's usage.
    const plainRun = await freehold("run", "coder", "Repeat it", "--max-tokens", "12", "--temperature", "0");
    writeFileSync(join(home, "expected.txt"), plainRun.stdout.replace(/\n$/, ""));
    const predictedRun = await freehold("run", "coder", "Repeat it", "--max-tokens", "12", "--temperature", "0", "--prediction", join(home, "expected.txt"), "--verbose");
    expect(predictedRun.stdout.startsWith(plainRun.stdout)).toBe(true);
    expect(predictedRun.stdout).toMatch(/^prediction: +\d+ token\(s\) kept, \d+ thrown away$/m);

    // create: a Modelfile FROM a model (sent as /api/create) or FROM a file (uploaded as a blob).
    writeFileSync(join(home, "Modelfile"), 'FROM demo-random-tiny\nSYSTEM """Be brief."""\nPARAMETER num_predict 4\n');
    expect((await freehold("create", "brief", "-f", join(home, "Modelfile"))).stdout).toBe("created brief\n");
    expect((await freehold("show", "brief")).stdout).toMatch(/^system prompt\s+Be brief\.$/m);
    expect((await freehold("show", "brief", "--modelfile")).stdout).toMatch(/^FROM brief\n[\s\S]*^SYSTEM Be brief\.\nPARAMETER num_predict 4\n$/m);
    writeFileSync(join(home, "Bad"), "FROM demo-random-tiny\nPARAMETER mirostat 2\n");
    expect((await freehold("create", "bad", "-f", join(home, "Bad"))).stderr).toMatch(/^error: parameter "mirostat" is not supported/m);
    writeFileSync(join(home, "Uploaded"), `FROM ${file}\nSYSTEM From a file.\n`);
    expect((await freehold("create", "uploaded-brief", "-f", join(home, "Uploaded"))).code).toBe(0);
    expect(JSON.parse((await freehold("show", "uploaded-brief", "--json")).stdout)).toMatchObject({ expertCount: 4, preset: { system: "From a file." } });
    // ADAPTER: the file uploaded as a blob, then named in /api/create's adapters, as `ollama create` sends it.
    copyFileSync(await testAdapter(), join(home, "style.gguf"));
    writeFileSync(join(home, "Tuned"), "FROM demo-random-tiny\nADAPTER ./style.gguf\n");
    expect((await freehold("create", "tuned", "-f", join(home, "Tuned"))).stdout).toBe("created tuned\n");
    expect((await freehold("show", "tuned")).stdout).toMatch(/^LoRA adapters\s+style\.gguf \(sha256 [0-9a-f]{12}\)$/m);
    const ask = (model: string) => freehold("run", model, "The quick brown", "--max-tokens", "8", "--temperature", "0");
    expect((await ask("tuned")).stdout).not.toBe((await ask("demo-random-tiny")).stdout);

    // quantize: Ollama's create with the flags as Freehold's extension; the same summary as a local run.
    const q = await freehold("quantize", "demo-random-tiny", "--to", "q8_0", "--threads", "1");
    expect(q.stdout).toMatch(/^quantized demo-random-tiny → demo-random-tiny:q8_0 \(Q8_0\) in [\d.]+ s$/m);
    expect(q.stdout).toMatch(/^ {2}bits per weight [\d.]+ → [\d.]+$/m);
    expect((await freehold("quantize", "demo-random-tiny:q8_0", "--to", "q4_0")).stderr).toMatch(/^error: .*already quantized .*--allow-requantize/m);
    const again = await freehold("quantize", "demo-random-tiny:q8_0", "--to", "q4_0", "--allow-requantize", "--name", "requantized");
    expect(again.stdout).toMatch(/→ requantized \(Q4_0\)/);
    expect(JSON.parse((await freehold("show", "requantized", "--json")).stdout)).toMatchObject({ quantization: "Q4_0", source: "quantize" });

    const r = await freehold("quantize", "report", "demo-random-tiny");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`is in use by process ${server.pid}: freehold serve is running at ${url}. Use that server`);
    expect(r.stderr).toMatch(/stop it, or set DATABASE_URL to a PostgreSQL database/);

    const exited = new Promise<number | null>((r) => server.on("exit", r));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(join(home, "server.json"))).toBe(false);
  }, 120_000);

  test("keys and upstreams go through the server, which requires keys; the CLI gets in with the token only its owner can read", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-serve-"));
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: { requireAuth: true } }));
    const { url } = await serve(home);
    const server = child!;
    expect(statSync(join(home, "server.json")).mode & 0o777).toBe(0o600);
    const freehold = cliRunner(home);

    // No key exists yet, and none is needed: the CLI presents the server's local token.
    const created = await freehold("keys", "create", "--name", "ci", "--scopes", "inference", "--rate", "100");
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(`going through ${url}`);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^fh_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/);
    const [key] = JSON.parse((await freehold("keys", "list", "--json")).stdout);
    expect(key).toMatchObject({ id: secret.slice(3, 11), name: "ci", scopes: ["inference"], ratePerMinute: 100, revokedAt: null });
    expect(JSON.stringify(key)).not.toContain(secret.slice(12));
    expect((await freehold("list")).stdout).toMatch(/^demo-random-tiny\s/m);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: secret });
    expect((await client.models.list()).data.map((m) => m.id)).toContain("demo-random-tiny");
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: "Bearer fhl_guessed" } })).status).toBe(401);
    const forbidden = await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${secret}` } }); // inference scope
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.message).toMatch(/lacks the 'admin' scope/);

    // An upstream's key from stdin, stored encrypted; names may hold a slash.
    const add = spawnSync(process.execPath, [resolve("bin/freehold.js"), "--home", home, "upstream", "add", "acme/remote", "--base-url", "http://127.0.0.1:9/v1", "--api-key", "-"],
      { input: "sk-upstream-secret\n", encoding: "utf8", timeout: 60_000 });
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toBe("added upstream acme/remote → acme/remote at http://127.0.0.1:9/v1 (key: encrypted)\n");
    expect((await freehold("upstream", "list")).stdout).toMatch(/^acme\/remote\s+acme\/remote\s+http:\/\/127\.0\.0\.1:9\/v1\s+encrypted\s+store$/m);
    expect((await client.models.list()).data.map((m) => m.id)).toContain("acme/remote");
    expect((await freehold("upstream", "add", "demo-random-tiny", "--base-url", "http://127.0.0.1:9/v1")).stderr).toMatch(/^error: a local model named "demo-random-tiny" already exists/m);
    expect((await freehold("upstream", "rm", "acme/remote")).stdout).toBe("removed upstream acme/remote\n");
    expect((await freehold("upstream", "rm", "acme/remote")).stderr).toMatch(/^error: upstream "acme\/remote" not found/m);

    expect((await freehold("keys", "revoke", key.id)).stdout).toBe(`revoked ${key.id} "ci"\n`);
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    expect((await freehold("keys", "revoke", "nokey123")).stderr).toMatch(/^error: no API key with id 'nokey123'/m);
    expect((await freehold("keys", "create", "--name", " ")).stderr).toMatch(/^error: .*name/m);

    const exited = new Promise<number | null>((r) => server.on("exit", r));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);

  test("eval, arena and rerank commands go through the server too", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-serve-"));
    await serve(home);
    const server = child!;
    const freehold = cliRunner(home);
    const suite = join(home, "suite.jsonl");
    writeFileSync(suite, ["a", "b", "c"].map((id) => JSON.stringify({ id, prompt: `Say ${id}`, expected: id })).join("\n") + "\n");

    const run = await freehold("eval", "run", suite, "--model", "demo-random-tiny", "--max-tokens", "4");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("going through");
    const runId = /^run (\S+): 3 cases run, 0 already done$/m.exec(run.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(run.stdout).toMatch(/^demo-random-tiny\s+0\.\d+/m); // MEAN [95% CI]
    expect((await freehold("eval", "runs")).stdout).toMatch(new RegExp(`^${runId}\\s+suite\\.jsonl\\s+succeeded\\s+3/3\\s+demo-random-tiny`, "m"));
    const again = await freehold("eval", "run", suite, "--model", "demo-random-tiny", "--run-id", runId!);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: eval run \S+ already finished/m);
    const board = JSON.parse((await freehold("eval", "leaderboard", suite, "--json")).stdout);
    expect(board.rows).toEqual([expect.objectContaining({ model: "demo-random-tiny", runId, n: 3 })]);
    const other = join(home, "other.jsonl");
    writeFileSync(other, JSON.stringify({ id: "z", prompt: "p", expected: "e" }) + "\n");
    expect((await freehold("eval", "leaderboard", other)).stdout).toBe("no model has finished every case of other.jsonl yet\n");
    expect((await freehold("eval", "run", suite, "--model", "nope")).stderr).toMatch(/^error: .*"nope" not found/m);

    // Ctrl-C cancels the run on the server; it can be resumed later.
    const long = join(home, "long.jsonl");
    writeFileSync(long, Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `c${i}`, prompt: `Count to ${i}`, expected: String(i) })).join("\n") + "\n");
    const cli = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "eval", "run", long, "--model", "demo-random-tiny", "--max-tokens", "16"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    cli.stderr!.on("data", (d) => { err += d; });
    const ended = new Promise<number | null>((r) => cli.on("exit", r));
    let started: { id: string; done: number } | undefined;
    while (!started?.done) {
      await new Promise((r) => setTimeout(r, 200));
      started = JSON.parse((await freehold("eval", "runs", "--json")).stdout).find((r: { suiteName: string }) => r.suiteName === "long.jsonl");
    }
    cli.kill("SIGINT");
    expect(await ended).toBe(1);
    expect(err).toMatch(new RegExp(`^error: eval run ${started.id} cancelled after \\d+ of 300 cases; resume with the same run id`, "m"));
    expect(JSON.parse((await freehold("eval", "runs", "--json")).stdout).find((r: { id: string }) => r.id === started!.id)).toMatchObject({ status: "cancelled" });

    let t = 1.7e9;
    const vote = (a: string, b: string, winner: string) => JSON.stringify({ question_id: `q${t}`, model_a: a, model_b: b, winner, tstamp: t++, judge: "u", turn: 1, anony: true, language: "English" });
    const votes = join(home, "votes.jsonl");
    writeFileSync(votes, [vote("x", "y", "model_a"), vote("x", "y", "model_a"), vote("x", "y", "model_b")].join("\n") + "\n");
    expect((await freehold("arena", "import", votes)).stdout).toBe("imported 3 battle(s)\n");
    expect((await freehold("arena", "import", votes)).stdout).toBe("imported 0 battle(s); skipped 3 already imported (same question_id)\n");
    const ratings = await freehold("arena", "leaderboard", "--rounds", "20");
    expect(ratings.stdout).toMatch(/^1\s+x\s+\d+\s+-?\d+\.\.\d+\s+3\s+provisional$/m); // ranks are uncertainty-aware: 3 votes cannot separate them
    expect(ratings.stdout).toMatch(/^1\s+y\s+\d+\s+-?\d+\.\.\d+\s+3\s+provisional$/m);
    expect((await freehold("arena", "export")).stdout.trim().split("\n")).toHaveLength(3);
    expect((await freehold("arena", "leaderboard", "--from", "2100-01-01")).stdout).toMatch(/^-\s+x\s+-\s+-\s+0\n/m); // listed, no votes in range

    await freehold("import", await testModel({ shape: "tiny-rerank", seed: 3 }), "--name", "rr");
    const ranked = JSON.parse((await freehold("rerank", "rr", "water", "the water is blue", "hello world", "--json")).stdout);
    expect(ranked.map((r: { index: number }) => r.index).sort()).toEqual([0, 1]);
    expect((await freehold("rerank", "demo-random-tiny", "water", "x")).stderr).toMatch(/^error: demo-random-tiny is not a reranker/m);

    const exited = new Promise<number | null>((r) => server.on("exit", r));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 180_000);

  test("a record left by a process that is gone is ignored", () => {
    const home = mkdtempSync(join(tmpdir(), "fh-serve-"));
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(join(home, "server.json"), JSON.stringify({ pid: gone, url: "http://127.0.0.1:1" }));
    expect(runningServer(home)).toBeUndefined();
    writeFileSync(join(home, "server.json"), JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:1" }));
    expect(runningServer(home)).toEqual({ pid: process.pid, url: "http://127.0.0.1:1" });
  });
});

describe("serve's port from the environment and config.json", () => {
  const serveWith = (home: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [resolve("bin/freehold.js"), "--home", home, "serve", "--no-demo"], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });

  test("a bad $FREEHOLD_PORT or server.port is named in one line, exit 1, before listening", () => {
    const home = mkdtempSync(join(tmpdir(), "fh-port-"));
    const env = serveWith(home, { FREEHOLD_PORT: "80a" });
    expect(env.status).toBe(1);
    expect(env.stderr).toMatch(/^error: \$FREEHOLD_PORT is "80a": expected a whole number from 0 to 65535\n$/);
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: { port: "8080" } }));
    const config = serveWith(home, {});
    expect(config.status).toBe(1);
    expect(config.stderr).toMatch(/^error: server\.port in config\.json is "8080": expected a whole number/);
  }, 60_000);
});
