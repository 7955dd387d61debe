import type { LlamaModel, Token } from "node-llama-cpp";

/**
 * The tokens llama.cpp's server scores for a query–document pair (`format_prompt_rerank` in
 * tools/server/server-common.cpp), so a model ranks alike here and there: the model's rerank
 * template (`tokenizer.chat_template.rerank`, `{query}` and `{document}` filled in) tokenized as
 * one text with its special tokens; without one, `[BOS] query [EOS] [SEP] document [EOS]`, each
 * special token only when the vocabulary adds it (EOS falling back to SEP).
 *
 * node-llama-cpp builds its own input otherwise: it tokenizes the template's pieces, the query
 * and the document separately (3 tokens more per pair than llama-server on a SentencePiece
 * vocabulary, and different ones at the seams) and adds EOS whether or not the vocabulary does.
 * On a generated reranker that moved scores by up to 0.54 (bench/rerank.ts).
 */
export function rerankTokens(model: LlamaModel, template: string | undefined, query: string, document: string): Token[] {
  if (template) return model.tokenize(template.replaceAll("{query}", query).replaceAll("{document}", document), true);
  const t = model.tokens;
  const eos = t.eos ?? t.sep;
  const addSep = (model.fileInfo.metadata?.tokenizer?.ggml as { add_sep_token?: boolean } | undefined)?.add_sep_token ?? model.vocabularyType === "wpm";
  const out: Token[] = [];
  if (t.shouldPrependBosToken && t.bos != null) out.push(t.bos);
  out.push(...model.tokenize(query));
  if (t.shouldAppendEosToken && eos != null) out.push(eos);
  if (addSep && t.sep != null) out.push(t.sep);
  out.push(...model.tokenize(document));
  if (t.shouldAppendEosToken && eos != null) out.push(eos);
  return out;
}

/** The model's rerank template, if its GGUF has one. */
export function rerankTemplate(model: LlamaModel): string | undefined {
  const v = (model.fileInfo.metadata?.tokenizer as Record<string, unknown> | undefined)?.["chat_template.rerank"];
  return typeof v === "string" && v.includes("{query}") && v.includes("{document}") ? v : undefined;
}

/**
 * Given to node-llama-cpp's ranking context so that it adds nothing of its own around the
 * tokens above (passed as the "query", with an empty "document").
 */
export const PASS_THROUGH_TEMPLATE = "{{query}}{{document}}";
