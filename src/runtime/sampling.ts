import { randomInt } from "node:crypto";
import type { LlamaGrammar, LlamaModel, Token, TokenBias } from "node-llama-cpp";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import { FreeholdError, invalid } from "../errors.ts";
import { grammarSchema } from "./grammarSchema.ts";
import type { GenerateOptions, OutputFormat } from "./types.ts";

/** llama.cpp's own defaults (llama-server, llama-cli), used when a request leaves a knob unset. */
export const DEFAULTS = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 } as const;

export interface Sampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
  tokenBias?: TokenBias;
  penalty?: { penalty: number; frequencyPenalty: number; presencePenalty: number; lastTokens: number };
}

/** Maps the request's sampling knobs onto node-llama-cpp's, validating what it cannot. */
export function resolveSampling(model: LlamaModel, opts: GenerateOptions): Sampling {
  const num = (v: number | undefined, name: string, lo: number, hi: number) => {
    if (v === undefined) return undefined;
    if (!Number.isFinite(v) || v < lo || v > hi) throw invalid(`${name} must be between ${lo} and ${hi}`, name);
    return v;
  };
  const temperature = num(opts.temperature, "temperature", 0, 100) ?? DEFAULTS.temperature;
  const topK = num(opts.topK, "topK", 0, 1e9) ?? DEFAULTS.topK;
  const topP = num(opts.topP, "topP", 0, 1) ?? DEFAULTS.topP;
  const minP = num(opts.minP, "minP", 0, 1) ?? DEFAULTS.minP;
  // Without a seed node-llama-cpp seeds from the clock in whole seconds: every request (and each
  // of n choices) started in the same second would sample the same answer. Draw one instead.
  const seed = opts.seed === undefined ? randomInt(0x100000000) : Math.trunc(opts.seed) >>> 0;

  const repeat = num(opts.repeatPenalty, "repeatPenalty", 0, 100) ?? 1;
  const frequencyPenalty = num(opts.frequencyPenalty, "frequencyPenalty", -2, 2) ?? 0;
  const presencePenalty = num(opts.presencePenalty, "presencePenalty", -2, 2) ?? 0;
  const penalty = repeat !== 1 || frequencyPenalty !== 0 || presencePenalty !== 0
    ? { penalty: repeat, frequencyPenalty, presencePenalty, lastTokens: 64 }
    : undefined;

  let tokenBias: TokenBias | undefined;
  const json = opts.format?.type === "json_object" || opts.format?.type === "json_schema";
  if ((opts.logitBias && Object.keys(opts.logitBias).length > 0) || json) tokenBias = new (loadedLlamaCpp().TokenBias)(model.tokenizer);
  if (json) for (const token of textlessTokens(model)) tokenBias!.set(token, "never");
  if (tokenBias && opts.logitBias) {
    const vocab = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? Number.MAX_SAFE_INTEGER;
    for (const [id, bias] of Object.entries(opts.logitBias)) {
      const token = Number(id);
      if (!Number.isInteger(token) || token < 0 || token >= vocab) throw invalid(`logitBias: ${id} is not a token id of this model`, "logitBias");
      // -100 is OpenAI's "ban": a logit of -Infinity removes the token outright.
      const logit = bias <= -100 ? -Infinity : bias;
      if (model.isEogToken(token as Token)) setEogBias(tokenBias, token as Token, logit);
      else tokenBias.set(token as Token, { logit });
    }
  }
  return { temperature, topK, topP, minP, seed, tokenBias, penalty };
}

const textless = new WeakMap<LlamaModel, Token[]>();

/**
 * Tokens with a text that llama.cpp's grammar matches but that the answer does not show:
 * control tokens (`<s>`, `<|im_start|>`) and `<unk>`, end-of-generation ones aside. The grammar
 * reads a token by its text with special tokens rendered, and the answer is detokenized without
 * them, so under a JSON grammar `<s>` could fill a string's `minLength: 2` and vanish (`""`, on a
 * random-weight model). Banned under JSON formats. Found once per model (~15 ms for 49k tokens).
 */
function textlessTokens(model: LlamaModel): Token[] {
  let tokens = textless.get(model);
  if (!tokens) {
    tokens = [];
    for (const token of model.iterateAllTokens()) {
      const a = model.getTokenAttributes(token);
      if ((a.control || a.unknown) && !model.isEogToken(token)) tokens.push(token);
    }
    textless.set(model, tokens);
  }
  return tokens;
}

/**
 * TokenBias.set skips end-of-generation tokens (EOS, EOT, ...), so a ban or boost on them would
 * be silently lost. llama.cpp's logit-bias sampler takes any token, and node-llama-cpp hands it
 * every entry of TokenBias's own map, so the entry goes there; if that map is gone (a
 * node-llama-cpp change), refuse rather than ignore.
 */
function setEogBias(tokenBias: TokenBias, token: Token, logit: number): void {
  const biases = (tokenBias as unknown as { _biases?: unknown })._biases;
  if (!(biases instanceof Map)) throw invalid(`logitBias: token ${token} ends generation, and a bias on it is not supported by this runtime`, "logitBias");
  biases.set(token, logit);
}

/** The grammar that constrains output to the requested format, or undefined for free text. */
export async function resolveGrammar(model: LlamaModel, format: OutputFormat | undefined): Promise<LlamaGrammar | undefined> {
  const llama = model.llama;
  // Refuses what the grammar could not enforce, naming the spot (outside the catch below).
  const schema = format?.type === "json_schema" ? grammarSchema(format.schema, "format", { lenient: format.lenient }) : undefined;
  try {
    switch (format?.type) {
      case undefined:
      case "text":
        return undefined;
      case "json_object":
        return await llama.getGrammarFor("json");
      case "json_schema":
        return await llama.createGrammarForJsonSchema(schema as never);
      case "gbnf":
        return await llama.createGrammar({ grammar: format.grammar });
    }
  } catch (e) {
    throw new FreeholdError("invalid_request", `unusable ${format?.type} format: ${(e as Error).message}`, { param: "format", cause: e });
  }
}
