/**
 * An OpenAI-compatible upstream that answers instantly, for bench/gateway.ts: a fixed chat
 * completion, or three SSE chunks and [DONE] when asked to stream. It reads the whole request
 * body (as any real engine must) and does nothing else. Prints its port on stdout.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const head = { id: "chatcmpl-bench", created: 1700000000, model: "bench" };
const whole = JSON.stringify({
  ...head, object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there, how can I help?" }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
});
const chunk = (delta: object, finish: string | null, usage?: object) =>
  `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const streamed = chunk({ role: "assistant", content: "" }, null) + chunk({ content: "Hello there," }, null) +
  chunk({ content: " how can I help?" }, null) + chunk({}, "stop") +
  chunk({}, null, { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 }) + "data: [DONE]\n\n";

const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c: string) => { body += c; });
  req.on("end", () => {
    const stream = body.includes('"stream":true');
    res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
    res.end(stream ? streamed : whole);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log((server.address() as AddressInfo).port));
