/**
 * Checks a preset's parameters and messages as clients send them (zod, so only the routes and
 * commands that create models load it; src/models/preset.ts is on every request's path).
 */
import { z } from "zod";
import { invalid } from "../errors.ts";
import type { Preset, PresetMessage, PresetParameters } from "./preset.ts";

export const presetParametersSchema = z.strictObject({
  temperature: z.number().min(0).max(100),
  top_k: z.int().min(0),
  top_p: z.number().min(0).max(1),
  min_p: z.number().min(0).max(1),
  seed: z.int(),
  num_predict: z.int().min(-2),
  stop: z.array(z.string().min(1)).max(16),
  repeat_penalty: z.number().min(0),
  presence_penalty: z.number(),
  frequency_penalty: z.number(),
  num_ctx: z.int().positive(),
  draft_model: z.string().min(1).max(256),
  draft_max: z.int().min(1).max(64),
  draft_p_min: z.number().min(0).max(1),
}).partial() satisfies z.ZodType<PresetParameters>;
export const PARAMETER_NAMES = Object.keys(presetParametersSchema.shape) as (keyof PresetParameters)[];

export const presetMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"], { error: 'must be "system", "user" or "assistant"' }),
  content: z.string(),
}) satisfies z.ZodType<PresetMessage>;

/**
 * Checks parameters as clients send them: Modelfile values arrive as text ("0.2"), `stop` as one
 * string or several. An unknown name is refused rather than stored and silently ignored.
 */
export function parsePresetParameters(raw: Record<string, unknown>): PresetParameters {
  const known = new Set<string>(PARAMETER_NAMES);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length) {
    throw invalid(`parameter ${unknown.map((k) => `"${k}"`).join(", ")} is not supported; supported: ${PARAMETER_NAMES.join(", ")}`, "parameters");
  }
  const typed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "stop") typed[k] = Array.isArray(v) ? v : [v];
    else if (k === "draft_model") typed[k] = String(v); // a model name, even one that reads as a number
    else typed[k] = typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const parsed = presetParametersSchema.safeParse(typed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`parameter ${String(issue.path[0])}: ${issue.message}`, "parameters");
  }
  return parsed.data;
}


/** A system prompt, parameters, messages and license as Ollama's create (or a Modelfile) gives them. */
export interface PresetRequest {
  system?: string | null;
  parameters?: Record<string, unknown> | null;
  messages?: { role: string; content?: string | null }[] | null;
  license?: string | string[] | null;
}

/** The preset a request asks for, checked (nothing set: an empty preset). */
export function checkPreset(r: PresetRequest): Preset {
  const preset: Preset = {};
  if (r.system !== undefined && r.system !== null) preset.system = r.system;
  if (r.parameters) preset.parameters = parsePresetParameters(r.parameters);
  if (r.messages) {
    preset.messages = r.messages.map((m, i) => {
      const parsed = presetMessageSchema.safeParse({ role: m.role, content: m.content ?? "" });
      if (!parsed.success) throw invalid(`messages[${i}].role: must be "system", "user" or "assistant", got "${m.role}"`, "messages");
      return parsed.data;
    });
  }
  if (r.license !== undefined && r.license !== null) preset.license = typeof r.license === "string" ? [r.license] : r.license;
  // Stored as jsonb, which cannot hold NUL; a Modelfile with one is not text anyway.
  if (JSON.stringify(preset).includes("\\u0000")) throw invalid("the preset (system, messages, license or a stop string) contains a NUL character (\\u0000)", "system");
  return preset;
}
