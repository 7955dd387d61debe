/**
 * A SentencePiece-style vocabulary (tokenizer.ggml.model = "llama"): <unk>, <s>, </s>, the
 * 256 byte-fallback tokens <0x00>..<0xFF>, ChatML control tokens, then pieces with "▁" marking
 * a leading space, ordered by descending score so llama.cpp's SPM merge finds longer pieces.
 */
export const TokenKind = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

export interface Vocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  bos: number;
  eos: number;
  unk: number;
  imStart: number;
  imEnd: number;
  /** Fill-in-the-middle control tokens (Qwen2.5-Coder's names), when the vocabulary has them. */
  fim?: { prefix: number; suffix: number; middle: number };
}

/**
 * Qwen2.5-Coder's fill-in-the-middle tokens: prefix, suffix, middle (given by id in the metadata),
 * then the repository-name and file-separator tokens of its repo-level prompts (found by name).
 */
export const FIM_TOKENS = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>", "<|file_sep|>"] as const;

const WORDS = (
  "the of and to a in is you that it he was for on are as with his they I at be this have from or one had by " +
  "word but not what all were we when your can said there use an each which she do how their if will up other " +
  "about out many then them these so some her would make like him into time has look two more write go see number " +
  "no way could people my than first water been call who oil its now find long down day did get come made may part " +
  "hello world model answer question yes sure think because data private open local machine fast small large good"
).split(" ");

export function buildVocab(size: number, opts: { infill?: boolean } = {}): Vocab {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TokenKind.UNKNOWN, TokenKind.CONTROL, TokenKind.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TokenKind.BYTE);
  }
  tokens.push("<|im_start|>", "<|im_end|>");
  types.push(TokenKind.CONTROL, TokenKind.CONTROL);
  const fimAt = tokens.length;
  if (opts.infill) for (const t of FIM_TOKENS) { tokens.push(t); types.push(TokenKind.CONTROL); }
  const specials = tokens.length;
  if (size < specials + 100) throw new Error(`vocabulary size must be at least ${specials + 100}`);

  const seen = new Set(tokens);
  const add = (piece: string) => {
    if (tokens.length >= size || seen.has(piece)) return;
    seen.add(piece);
    tokens.push(piece);
    types.push(TokenKind.NORMAL);
  };
  const chars = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?;:'\"()-_/\\@#$%&*+=<>[]{}|`~^"];
  add("▁");
  for (const c of chars) add(c);
  for (const c of chars) add("▁" + c);
  for (const w of WORDS) for (let i = 2; i <= w.length; i++) { add(w.slice(0, i)); add("▁" + w.slice(0, i)); }
  // Fill the rest with letter n-grams so realistic vocabulary sizes (32k, 49k) are reachable.
  const letters = "etaoinshrdlcumwfgypbvkjxqz";
  outer: for (let n = 2; n <= 4; n++) {
    const total = letters.length ** n;
    for (let i = 0; i < total; i++) {
      let s = "", k = i;
      for (let j = 0; j < n; j++) { s += letters[k % letters.length]; k = Math.floor(k / letters.length); }
      add(s);
      add("▁" + s);
      if (tokens.length >= size) break outer;
    }
  }
  for (let i = 0; tokens.length < size; i++) add(`▁tok${i}`);

  // Scores: control/byte tokens 0, pieces descending so earlier (shorter, commoner) pieces win ties.
  const scores = new Float32Array(size);
  for (let i = specials; i < size; i++) scores[i] = -(i - specials);
  return {
    tokens, scores, types: Int32Array.from(types),
    unk: 0, bos: 1, eos: 2, imStart: 259, imEnd: 260,
    ...(opts.infill ? { fim: { prefix: fimAt, suffix: fimAt + 1, middle: fimAt + 2 } } : {}),
  };
}

/** ChatML, which node-llama-cpp and llama.cpp both recognise from the GGUF's template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Qwen3-Reranker's prompt, shortened: llama.cpp fills in {query} and {document}. */
export const RERANK_TEMPLATE =
  "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query. Answer only \"yes\" or \"no\".<|im_end|>\n" +
  "<|im_start|>user\n<Query>: {query}\n<Document>: {document}<|im_end|>\n<|im_start|>assistant\n";
