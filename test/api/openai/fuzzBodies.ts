/** A seeded generator of malformed request bodies, mutated from valid ones (see fuzz.test.ts). */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BASES: [string, () => Record<string, unknown>][] = [
  ["/v1/chat/completions", () => ({
    model: "tiny", max_tokens: 2, temperature: 0.5, stop: ["x"], n: 1, logit_bias: { "5": 1 },
    messages: [{ role: "system", content: "s" }, { role: "user", content: [{ type: "text", text: "hi" }] }],
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "boolean" } } } } }],
    tool_choice: "auto", response_format: { type: "text" }, user: "u",
  })],
  ["/v1/completions", () => ({ model: "tiny", prompt: ["hi", "yo"], max_tokens: 2, echo: false, logprobs: null })],
  ["/v1/embeddings", () => ({ model: "tiny", input: ["a", "b"], encoding_format: "float" })],
  ["/v1/responses", () => ({
    model: "tiny", instructions: "be brief", max_output_tokens: 2, temperature: 0.5, store: false,
    input: [
      { role: "user", content: [{ type: "input_text", text: "hi" }] },
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "ok" },
    ],
    tools: [{ type: "function", name: "f", parameters: { type: "object", properties: { a: { type: "boolean" } } } }],
    tool_choice: "auto", text: { format: { type: "text" } },
  })],
  ["/v1/messages", () => ({
    model: "tiny", max_tokens: 2, temperature: 0.5, system: [{ type: "text", text: "be brief" }], stop_sequences: ["x"],
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: [{ type: "text", text: "ok" }, { type: "tool_use", id: "t1", name: "f", input: { a: true } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "done" }] }] },
    ],
    tools: [{ name: "f", input_schema: { type: "object", properties: { a: { type: "boolean" } } } }], tool_choice: { type: "auto" },
  })],
  ["/v1/rerank", () => ({ model: "tiny", query: "q", documents: ["a", { text: "b" }], top_n: 1, return_documents: true })],
  ["/infill", () => ({
    model: "tiny", input_prefix: "def f(", input_suffix: ")", input_extra: [{ text: "x = 1", filename: "a.py" }], prompt: "x",
    n_predict: 2, n_indent: 2, t_max_predict_ms: 100, response_fields: ["content"], samplers: ["top_k"], cache_prompt: true, top_k: 4, stream: false,
  })],
  ["/completion", () => ({
    model: "tiny", prompt: ["hi", 5], n_predict: 2, temperature: 0.5, stop: ["x"], n_probs: 2, logit_bias: [[5, false], ["a", 1]],
    response_fields: ["content"], mirostat: 0, repeat_last_n: 64, cache_prompt: true, stream: false,
  })],
  ["/tokenize", () => ({ model: "tiny", content: ["hi", 5, "<|im_start|>"], add_special: true, parse_special: true, with_pieces: true })],
  ["/detokenize", () => ({ model: "tiny", tokens: [1, 5, 300] })],
  ["/apply-template", () => ({ model: "tiny", messages: [{ role: "system", content: "s" }, { role: "user", content: [{ type: "text", text: "hi" }] }] })],
  ["/v1/keys", () => ({ name: "fuzz", scopes: ["inference", "models"], ratePerMinute: 60, tokenQuota: 1000, expiresInDays: 1 })],
  ["/v1/upstreams", () => ({ name: "fuzz/up", baseUrl: "http://127.0.0.1:9/v1", apiKey: "k", remoteModel: "m" })],
];

const nest = (depth: number) => JSON.parse("[".repeat(depth) + "]".repeat(depth));

export function mutator(r: () => number) {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const garbage = (): unknown => pick([
    () => null, () => true, () => -1, () => 1e308, () => "", () => "x".repeat(500), () => [], () => ({}), () => 2 ** 53 + 1,
    () => "😀\u0000\uFFFF", () => nest(1 + Math.floor(r() * 3000)), () => ({ a: { b: [1, { c: null }] } }), () => -0.5,
    () => [null, "a", 3], () => ({ type: "image_url" }), () => "tiny", () => 8, () => ({ __proto__x: 1 }),
  ])();
  const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
    if (typeof v !== "object" || v === null || at.length >= 8) return [at];
    const kids = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    return [at, ...kids.flatMap((k) => paths((v as any)[k], [...at, k]))];
  };
  const mutate = (body: Record<string, unknown>) => {
    for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
      const all = paths(body).filter((p) => p.length > 0);
      if (!all.length) break; // a small body (/detokenize's) mutated down to {}
      const path = pick(all);
      const parent = path.slice(0, -1).reduce((o: any, k) => o[k], body);
      const key = path.at(-1)!;
      const op = r();
      // max_tokens only ever gets invalid values: removing it would let a valid body generate at length.
      const budget = key === "max_tokens";
      if (op < 0.5 || budget) {
        let g = garbage();
        while (budget && (g === null || g === 8)) g = garbage();
        parent[key] = g;
      } else if (op < 0.75) {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      } else {
        if (typeof parent === "object" && parent && !Array.isArray(parent)) parent[`x${Math.floor(r() * 1e6)}`] = garbage();
        else parent[key] = garbage();
      }
    }
    return body;
  };
  /** The bytes to send: usually mutated JSON, sometimes broken JSON or raw garbage. */
  return (base: () => Record<string, unknown>): string | Uint8Array => {
    const op = r();
    const json = JSON.stringify(mutate(base()));
    if (op < 0.75) return json;
    if (op < 0.83) return json.slice(0, Math.floor(r() * json.length));
    if (op < 0.88) return Uint8Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256));
    if (op < 0.92) return pick(["", "null", "[]", "\"x\"", "1", "{", "[".repeat(50_000), '{"__proto__": {"a": 1}}']);
    if (op < 0.96) return `{"model": "tiny", "messages": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const i = Math.floor(r() * json.length);
    return json.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + json.slice(i + 1);
  };
}

