import { describe, expect, test } from "vitest";
import { parseModelfile, writeModelfile } from "../../src/models/modelfile.ts";
import type { Preset } from "../../src/models/preset.ts";
import { presetConversation } from "../../src/models/preset.ts";

describe("Modelfile", () => {
  test("parses Ollama's syntax: any case, comments, plain, quoted and triple-quoted values, repeated stops", () => {
    const spec = parseModelfile([
      "# made for tests",
      "from llama3.2:1b",
      "",
      'SYSTEM """You are a pirate.',
      'Say "arr"."""',
      "PARAMETER temperature 0.7",
      "parameter STOP <|eot_id|>",
      'PARAMETER stop "a \\" quote"',
      "MESSAGE user Is Toronto in Canada?",
      'MESSAGE assistant "yes"',
      "LICENSE MIT",
      "REQUIRES 0.5.0",
    ].join("\r\n"));
    expect(spec).toEqual({
      from: "llama3.2:1b",
      system: 'You are a pirate.\nSay "arr".',
      parameters: { temperature: "0.7", stop: ["<|eot_id|>", 'a " quote'] },
      messages: [{ role: "user", content: "Is Toronto in Canada?" }, { role: "assistant", content: "yes" }],
      license: ["MIT"], adapters: [],
    });
  });

  test("errors name the line", () => {
    expect(() => parseModelfile("FROM x\nSYSTEM ok\nWHAT now")).toThrow(/line 3: unknown command "WHAT"/);
    expect(() => parseModelfile('FROM x\nSYSTEM """never closed\n')).toThrow(/line 2: unterminated """/);
    expect(() => parseModelfile('FROM x\nSYSTEM "open\n"')).toThrow(/line 2: unterminated "/);
    expect(() => parseModelfile('FROM x\nSYSTEM "a" b')).toThrow(/line 2: unexpected text/);
    expect(() => parseModelfile("SYSTEM hi")).toThrow(/no FROM line/);
  });

  test("what show writes parses back to the same preset", () => {
    const preset: Preset = {
      system: "Two\nlines with a # sign", parameters: { temperature: 0.2, stop: ["<a>", "</s>"], num_ctx: 4096 },
      messages: [{ role: "user", content: " padded " }, { role: "assistant", content: "" }], license: ["Apache-2.0"],
    };
    const spec = parseModelfile(writeModelfile("m", "{{ x }}", preset));
    expect(spec.from).toBe("m");
    expect(spec.template).toBe("{{ x }}");
    expect(spec.system).toBe(preset.system);
    expect(spec.parameters).toEqual({ temperature: "0.2", stop: ["<a>", "</s>"], num_ctx: "4096" });
    expect(spec.messages).toEqual(preset.messages);
    expect(spec.license).toEqual(preset.license);
  });

  test("a preset's conversation: its system prompt unless one is sent, then its messages, then the request's", () => {
    const p: Preset = { system: "S", messages: [{ role: "user", content: "u0" }, { role: "assistant", content: "a0" }] };
    const user = { role: "user" as const, content: "q" };
    expect(presetConversation(p, [user]).map((m) => m.content)).toEqual(["S", "u0", "a0", "q"]);
    expect(presetConversation(p, [{ role: "system", content: "mine" }, user]).map((m) => m.content)).toEqual(["mine", "u0", "a0", "q"]);
    expect(presetConversation({}, [user])).toEqual([user]);
  });
});
