import type { Preset } from "../../models/preset.ts";
import { presetOptions } from "../../models/preset.ts";
import { DEFAULTS } from "../../runtime/sampling.ts";
import type { SamplingOptions } from "../../runtime/types.ts";

/** llama-server's LLAMA_DEFAULT_SEED: what it reports for "a new random seed each request". */
export const RANDOM_SEED = 0xffffffff;

/** Freehold's sampler chain in llama-server's names (node-llama-cpp: logit bias, penalties, top-k, top-p, min-p, temperature). */
export const SAMPLERS = ["penalties", "top_k", "top_p", "min_p", "temperature"];

/** How many recent tokens the repetition penalties look at: fixed in Freehold's runtime, llama-server's default. */
export const REPEAT_LAST_N = 64;

export interface Settings extends SamplingOptions {
  nPredict: number;
  stream: boolean;
  nProbs: number;
  postSamplingProbs: boolean;
  ignoreEos: boolean;
}

/**
 * The settings a request runs with: what it sets, else the model's preset (Modelfile parameters,
 * which the gateway applies the same way), else llama.cpp's defaults.
 */
export function effectiveSettings(preset: Preset | null, request: Partial<Settings> = {}): Settings {
  const set = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const fromPreset = presetOptions(preset?.parameters);
  return {
    temperature: DEFAULTS.temperature, topK: DEFAULTS.topK, topP: DEFAULTS.topP, minP: DEFAULTS.minP,
    repeatPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
    nPredict: fromPreset.maxTokens ?? -1, stream: false, nProbs: 0, postSamplingProbs: false, ignoreEos: false,
    ...fromPreset, ...set,
  };
}

/**
 * llama-server's task_params::to_json, the fields Freehold can fill truthfully: its samplers'
 * settings, and the samplers it does not have (typical-p, Mirostat, XTC, DRY, top-n-σ, dynamic
 * temperature) as off, which is what they are here. `full` adds what llama-server reports only
 * with an answer (stop strings, logit biases).
 */
export function generationSettings(s: Settings, full: boolean) {
  return {
    seed: s.seed ?? RANDOM_SEED,
    temperature: s.temperature, dynatemp_range: 0, top_k: s.topK, top_p: s.topP, min_p: s.minP,
    top_n_sigma: -1, xtc_probability: 0, typical_p: 1,
    repeat_last_n: REPEAT_LAST_N, repeat_penalty: s.repeatPenalty, presence_penalty: s.presencePenalty, frequency_penalty: s.frequencyPenalty,
    dry_multiplier: 0, mirostat: 0,
    ...(full ? { stop: s.stop ?? [] } : {}),
    max_tokens: s.nPredict, n_predict: s.nPredict,
    ignore_eos: s.ignoreEos, stream: s.stream,
    ...(full ? { logit_bias: Object.entries(s.logitBias ?? {}).map(([token, bias]) => ({ bias: bias <= -100 ? null : bias, token: Number(token) })) } : {}),
    n_probs: s.nProbs, samplers: SAMPLERS, post_sampling_probs: s.postSamplingProbs,
  };
}
