import { describe, expect, it } from "vitest";
import { humanNumber } from "../../../src/api/ollama/details.ts";
import { parseKeepAlive } from "../../../src/api/ollama/keepAlive.ts";
import { formatFrom, messagesFrom, samplingFrom, toolCallsOut } from "../../../src/api/ollama/translate.ts";

describe("keep_alive", () => {
  it.each([
    [undefined, undefined], [null, undefined], [0, 0], ["0", 0], [300, 300_000], ["300", 300_000], ["5m", 300_000],
    ["10s", 10_000], ["1h", 3_600_000], ["1h30m", 5_400_000], ["1.5h", 5_400_000], ["250ms", 250],
    [-1, -1], ["-1", -1], ["-1m", -1], [-5, -1], ["0s", 0],
  ])("%j → %j ms", (input, ms) => {
    expect(parseKeepAlive(input as never)).toBe(ms);
  });

  it.each(["five minutes", "5 m", "5x", "m", "", "1h-5m"])("rejects %j", (input) => {
    expect(() => parseKeepAlive(input)).toThrow(/keep_alive/);
  });
});

describe("options", () => {
  it("maps Ollama's names and drops what is unset", () => {
    expect(samplingFrom({ temperature: 0.2, top_p: 0.9, top_k: 40, min_p: null, seed: 7, num_predict: 12, stop: "\n", repeat_penalty: 1.1 }))
      .toEqual({ temperature: 0.2, topP: 0.9, topK: 40, seed: 7, maxTokens: 12, stop: ["\n"], repeatPenalty: 1.1 });
  });

  it("reads num_predict -1 and -2 as no limit", () => {
    expect(samplingFrom({ num_predict: -1 }).maxTokens).toBeUndefined();
    expect(samplingFrom({ num_predict: -2 }).maxTokens).toBeUndefined();
  });

  it("format: json, schema, or a clear refusal", () => {
    expect(formatFrom("json")).toEqual({ type: "json_object" });
    expect(formatFrom("")).toBeUndefined();
    expect(formatFrom({ type: "object" })).toEqual({ type: "json_schema", schema: { type: "object" } });
    expect(() => formatFrom("yaml")).toThrow(/format/);
  });
});

describe("messages and tool calls", () => {
  it("gives Ollama's id-less tool calls ids and matches tool results by name", () => {
    const out = messagesFrom("m", [
      { role: "user", content: "weather?" },
      { role: "assistant", content: "", tool_calls: [
        { function: { name: "time", arguments: {} } },
        { function: { name: "weather", arguments: { city: "Oslo" } } },
      ] },
      { role: "tool", content: "rain", tool_name: "weather" },
      { role: "tool", content: "noon" },
    ]);
    expect(out[1]).toEqual({ role: "assistant", content: "", toolCalls: [
      { id: "call_1_0", name: "time", arguments: "{}" },
      { id: "call_1_1", name: "weather", arguments: '{"city":"Oslo"}' },
    ] });
    expect(out[2]).toEqual({ role: "tool", content: "rain", toolCallId: "call_1_1", name: "weather" });
    expect(out[3]).toEqual({ role: "tool", content: "noon", toolCallId: "call_1_0", name: "time" });
  });

  it("refuses images", () => {
    expect(() => messagesFrom("tiny", [{ role: "user", content: "x", images: ["aGk="] }])).toThrow(/does not accept images/);
  });

  it("answers tool calls with arguments as objects", () => {
    expect(toolCallsOut([{ id: "c", name: "f", arguments: '{"a":1}' }])).toEqual([{ id: "c", function: { index: 0, name: "f", arguments: { a: 1 } } }]);
  });
});

describe("parameter_size", () => {
  it.each([[1_100_048_384, "1.1B"], [7_000_000_000, "7B"], [135_000_000, "135M"], [494_032_768, "494.03M"], [53_504, "54K"], [12, "12"]])(
    "%d → %s", (n, s) => expect(humanNumber(n)).toBe(s),
  );
});
