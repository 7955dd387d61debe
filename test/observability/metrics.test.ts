import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";

/** /metrics after real traffic, parsed as Prometheus text. */
let s: TestServer;
let ai: OpenAI;
beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } } });
  ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
});
afterAll(() => s?.close());

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The text exposition format, strictly enough that a malformed line fails the test. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/i.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3].replace(/inf/i, "Infinity").replace(/^nan$/i, "NaN")) });
  }
  return samples;
}

const scrape = async () => {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
};
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((n, x) => n + x.value, 0);

describe("GET /metrics", () => {
  test("requests by route pattern and status, tokens, time to first token, per-token latency, model gauges", async () => {
    await ai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 6, seed: 1 });
    const stream = await ai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 6, seed: 1, stream: true });
    for await (const _ of stream);
    await ai.models.retrieve("tiny");
    await fetch(`${s.url}/no/such/route`);
    await ai.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "Hi" }] }).catch(() => {});

    const m = await scrape();
    expect(value(m, "freehold_http_requests_total", { route: "/v1/chat/completions", status: "200", method: "POST" })).toBe(2);
    expect(value(m, "freehold_http_requests_total", { route: "/v1/chat/completions", status: "404" })).toBe(1);
    expect(value(m, "freehold_http_requests_total", { route: "/v1/models/*", status: "200" })).toBe(1);
    expect(m.some((x) => x.labels.route?.includes("no/such"))).toBe(false); // raw URLs never become labels
    expect(value(m, "freehold_http_request_duration_seconds_count", { route: "/v1/chat/completions" })).toBe(3);
    expect(value(m, "freehold_prompt_tokens_total", { model: "tiny" })).toBeGreaterThan(0);
    expect(value(m, "freehold_generated_tokens_total", { model: "tiny" })).toBeGreaterThanOrEqual(2);
    expect(value(m, "freehold_time_to_first_token_seconds_count", { model: "tiny" })).toBe(2);
    expect(value(m, "freehold_time_to_first_token_seconds_bucket", { model: "tiny", le: "+Inf" })).toBe(2);
    expect(value(m, "freehold_time_per_output_token_seconds_count", { model: "tiny" })).toBeGreaterThanOrEqual(1);
    expect(value(m, "freehold_generations_total", { model: "tiny", outcome: "ok" })).toBe(2);
    expect(m.find((x) => x.name === "freehold_queue_depth" && x.labels.model === "tiny")?.value).toBe(0);
    expect(m.find((x) => x.name === "freehold_active_sequences" && x.labels.model === "tiny")?.value).toBe(0);
    expect(value(m, "freehold_model_loaded", { model: "tiny" })).toBe(1);
    expect(value(m, "freehold_model_memory_bytes", { model: "tiny" })).toBeGreaterThan(0);
    expect(value(m, "freehold_loaded_models")).toBe(1);
    expect(m.some((x) => x.name === "freehold_process_resident_memory_bytes")).toBe(true);
  });

  test("a stream in progress shows as an active sequence; a client leaving frees it (499)", async () => {
    const long = { max_tokens: 1900, temperature: 0, logit_bias: { "2": -100, "259": -100, "260": -100 } };
    const stream = await ai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Go" }], stream: true, ...long });
    let during = 0;
    for await (const c of stream) {
      if (!c.choices[0]?.delta?.content) continue;
      during = value(await scrape(), "freehold_active_sequences", { model: "tiny" });
      break; // leaves mid-stream
    }
    expect(during).toBe(1);
    // The scrape during generation may already see it freed; poll until it is.
    let active = -1;
    for (let i = 0; i < 100 && active !== 0; i++) {
      active = value(await scrape(), "freehold_active_sequences", { model: "tiny" });
      if (active) await new Promise((r) => setTimeout(r, 50));
    }
    expect(active).toBe(0);
    const m = await scrape();
    expect(value(m, "freehold_http_requests_total", { route: "/v1/chat/completions", status: "499" })).toBe(1);
    expect(value(m, "freehold_generations_total", { model: "tiny", outcome: "cancelled" })).toBe(1);
  });
});
