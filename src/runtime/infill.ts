import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";

/** llama-server's default batch, whose 3/4 the prefix and 1/4 the suffix may take (format_prompt_infill). */
const SERVER_BATCH = 2048;

/** What llama.cpp's /infill takes beyond the prefix and suffix. */
export interface InfillExtras {
  /** Text after the prefix, read with special tokens (llama-server's `prompt`: the cursor line so far). */
  middle?: string;
  /**
   * Other files' snippets, put before the prefix (llama-server's `input_extra`). Given (even empty),
   * the prompt takes llama-server's repo-level form; absent, the plain one Ollama's templates write.
   */
  extra?: { text: string; filename?: string }[];
  /** Tokens the answer may take: the extra context leaves them room twice over, as llama-server does. */
  maxTokens?: number;
}

/**
 * A fill-in-the-middle prompt, as llama.cpp's server builds it for /infill (format_prompt_infill,
 * prefix-suffix-middle order): [extra] [BOS] FIM_PRE prefix middle FIM_SUF suffix FIM_MID, the
 * model then writing what goes between. Prefix, suffix and snippets are read as plain text
 * (special-token names in code stay text). Like the server, a long prefix keeps its end and a long
 * suffix its start (the code nearest the cursor), within a budget of min(2048, half the context):
 * 3/4 for the prefix, the rest for the suffix, so the answer keeps room; snippets fill what is left,
 * the latest first, each after FIM_SEP and its file name when the vocabulary has that token (a
 * "--- snippet ---" line otherwise), all after FIM_REP when it has that one.
 */
export function infillTokens(model: LlamaModel, prefix: string, suffix: string, contextSize: number, extras: InfillExtras = {}): Token[] {
  const { prefix: pre, suffix: suf, middle: mid } = model.tokens.infill;
  if (pre === null || suf === null || mid === null) {
    const missing = [pre === null && "prefix", suf === null && "suffix", mid === null && "middle"].filter(Boolean).join(", ");
    throw invalid(`this model does not support insert (fill-in-the-middle \`suffix\`): its vocabulary has no fill-in-the-middle tokens (missing: ${missing})`, "suffix");
  }
  const budget = Math.min(SERVER_BATCH, Math.floor(contextSize / 2));
  const text = (s: string) => model.tokenize(s, false);
  const prefixTokens = text(prefix);
  const suffixTokens = text(suffix);
  const middleTokens = extras.middle ? model.tokenize(extras.middle, true) : [];
  const prefixTake = Math.min(prefixTokens.length, 3 * Math.floor(budget / 4));
  const suffixTake = Math.min(suffixTokens.length, Math.max(0, Math.floor(budget / 4) - (2 + middleTokens.length)));
  const extra = extras.extra ? extraTokens(model, extras.extra) : [];
  const extraTake = Math.min(Math.max(0, contextSize - budget - 2 * (extras.maxTokens ?? 0)), extra.length);
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  return [
    ...extra.slice(extra.length - extraTake),
    ...bos,
    pre, ...prefixTokens.slice(prefixTokens.length - prefixTake), ...middleTokens,
    suf, ...suffixTokens.slice(0, suffixTake),
    mid,
  ];
}

/** The repo-level part of the prompt (format_prompt_infill's extra_tokens); empty without snippets but for the separators. */
function extraTokens(model: LlamaModel, chunks: { text: string; filename?: string }[]): Token[] {
  const text = (s: string) => model.tokenize(s, false);
  const rep = fimToken(model, "rep", ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]);
  const sep = fimToken(model, "sep", ["<|file_sep|>"]);
  const out: Token[] = [];
  if (rep !== undefined) out.push(rep, ...text("myproject\n"));
  for (const chunk of chunks) {
    if (sep !== undefined) out.push(sep, ...text(`${chunk.filename ?? "tmp"}\n`));
    else out.push(...text("\n\n--- snippet ---\n\n"));
    out.push(...text(chunk.text));
  }
  if (sep !== undefined) out.push(sep, ...text("filename\n"));
  return out;
}

/**
 * The repository or file-separator token, found as llama.cpp finds it: by id in the GGUF
 * (tokenizer.ggml.fim_rep_token_id / fim_sep_token_id), else by name.
 */
function fimToken(model: LlamaModel, kind: "rep" | "sep", names: string[]): Token | undefined {
  const id = (model.fileInfo.metadata as { tokenizer?: { ggml?: Record<string, unknown> } }).tokenizer?.ggml?.[`fim_${kind}_token_id`];
  if (typeof id === "number") return id as Token;
  for (const name of names) {
    const t = model.tokenize(name, true);
    if (t.length === 1 && model.detokenize(t, true) === name) return t[0];
  }
  return undefined;
}
