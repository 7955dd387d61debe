import { expect, test } from "vitest";
import { ChatSession } from "../../src/cli/chatSession.ts";

test("lines are messages; slash commands change the session as ollama run's do", () => {
  const s = new ChatSession("Be brief.", { seed: 1 });
  expect(s.line("  hello  ")).toEqual({ message: "hello" });
  expect(s.line("")).toEqual({ empty: true });
  expect(s.line("/?")).toMatchObject({ output: expect.stringContaining("/set parameter <name> <value>") });
  expect(s.line("/set parameter temperature 0.2")).toEqual({ output: "temperature set to 0.2" });
  expect(s.line("/set parameter num_predict 7")).toEqual({ output: "num_predict set to 7" });
  expect(s.params).toEqual({ seed: 1, temperature: 0.2, maxTokens: 7 });
  expect(s.line("/set parameter num_predict 0")).toEqual({ output: "num_predict must be a whole number of 1 or more" });
  expect(s.line("/set parameter top_k 3")).toEqual({ output: "unknown parameter top_k: temperature, num_predict or seed" });
  expect(s.line("/show")).toEqual({ output: "system prompt: Be brief.\nparameters: temperature 0.2, num_predict 7, seed 1" });
  expect(s.line("/nope")).toEqual({ output: "unknown command /nope: /? lists the commands" });
  expect(s.line("/bye")).toEqual({ quit: true });
  expect(s.line("/exit")).toEqual({ quit: true });
});

test("/set system replaces or adds the system prompt; /clear keeps only it", () => {
  const s = new ChatSession(undefined, {});
  s.history.push({ role: "user", content: "a" }, { role: "assistant", content: "b" });
  expect(s.line("/set system Answer in French.")).toEqual({ output: "system prompt set" });
  expect(s.history[0]).toEqual({ role: "system", content: "Answer in French." });
  s.line("/set system Answer in German.");
  expect(s.history.filter((m) => m.role === "system")).toEqual([{ role: "system", content: "Answer in German." }]);
  expect(s.line("/clear")).toEqual({ output: "conversation cleared" });
  expect(s.history).toEqual([{ role: "system", content: "Answer in German." }]);
  expect(new ChatSession(undefined, {}).line("/set system")).toEqual({ output: "usage: /set system <text>" });
});

test('""" opens a message of several lines, closed by a line ending with """', () => {
  const s = new ChatSession(undefined, {});
  expect(s.line('"""first line')).toEqual({ more: true });
  expect(s.line("  second, indented")).toEqual({ more: true });
  expect(s.line('last"""')).toEqual({ message: "first line\n  second, indented\nlast" });
  expect(s.line('"""all on one line"""')).toEqual({ message: "all on one line" });
  expect(s.line('"""')).toEqual({ more: true });
  expect(s.line('"""')).toEqual({ empty: true });
  expect(s.line("/bye")).toEqual({ quit: true }); // a command again once the message closed
});

test("answerStats: ollama run --verbose's lines, the prompt timed to the first piece, the rate over the tokens after it", async () => {
  const { answerStats } = await import("../../src/cli/commands/run.ts");
  const stats = answerStats({ text: "x", finishReason: "length", usage: { promptTokens: 20, completionTokens: 11 } }, 1000, 1500, 2500);
  expect(stats).toBe([
    "total duration:       1.500s",
    "prompt eval count:    20 token(s)",
    "prompt eval duration: 0.500s",
    "prompt eval rate:     40.00 tokens/s",
    "eval count:           11 token(s)",
    "eval duration:        1.000s",
    "eval rate:            10.00 tokens/s",
  ].join("\n") + "\n");
  const s = new ChatSession(undefined, {});
  expect(s.line("/set verbose")).toEqual({ output: "showing each answer's statistics" });
  expect(s.verbose).toBe(true);
  s.line("/set quiet");
  expect(s.verbose).toBe(false);
});

test("until: ollama ps's UNTIL column", async () => {
  const { until } = await import("../../src/cli/commands/ps.ts");
  const now = Date.parse("2026-01-01T00:00:00Z");
  expect(until("2026-01-01T00:04:00Z", now)).toBe("4 minutes from now");
  expect(until("2026-01-01T00:00:01Z", now)).toBe("1 second from now");
  expect(until("2026-01-01T02:00:00Z", now)).toBe("2 hours from now");
  expect(until("2025-12-31T23:59:59Z", now)).toBe("Stopping...");
  expect(until("9999-01-01T00:00:00Z", now)).toBe("Forever");
});

test("/load and /save name a model; preset() is what /save keeps, in Ollama's parameter names", () => {
  const s = new ChatSession("Be brief.", { temperature: 0.5, maxTokens: 9 });
  expect(s.line("/load other")).toEqual({ load: "other" });
  expect(s.line("/save")).toEqual({ output: "usage: /save <model>" });
  expect(s.line("/save mine")).toEqual({ save: "mine" });
  s.history.push({ role: "user", content: "hi" }, { role: "assistant", content: "hello" });
  expect(s.preset()).toEqual({
    system: "Be brief.", parameters: { temperature: 0.5, num_predict: 9 },
    messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }],
  });
  s.restart();
  expect(s.history).toEqual([{ role: "system", content: "Be brief." }]);
  expect(new ChatSession(undefined, {}).preset()).toEqual({});
});

test("/set format json asks for JSON answers until /set noformat", () => {
  const s = new ChatSession(undefined, {});
  expect(s.line("/set format yaml")).toEqual({ output: "usage: /set format json" });
  expect(s.line("/set format json")).toEqual({ output: "answers in JSON" });
  expect(s.params.json).toBe(true);
  expect(s.line("/show")).toEqual({ output: "system prompt: (none)\nparameters: (the model's defaults)\nformat: json" });
  expect(s.line("/set noformat")).toEqual({ output: "answers in free text" });
  expect(s.params.json).toBe(false);
});
