/** A conversation's model, system prompt and parameters as edited in the form (numbers kept as typed). */
import type { ChatParams, ConversationSummary } from "./types.ts";

export interface Settings {
  model: string; systemPrompt: string; temperature: string; maxTokens: string;
  /** A smaller model that drafts the answers ("": none, or the model's own from its preset). */
  draftModel: string;
}

const LAST_MODEL = "freehold.chat.model";

export function lastModel(): string {
  try {
    return localStorage.getItem(LAST_MODEL) ?? "";
  } catch {
    return "";
  }
}

export function rememberModel(model: string): void {
  try {
    localStorage.setItem(LAST_MODEL, model);
  } catch { /* private mode: no memory */ }
}

export function settingsOf(c: ConversationSummary): Settings {
  return {
    model: c.model, systemPrompt: c.systemPrompt ?? "",
    temperature: c.params.temperature?.toString() ?? "", maxTokens: c.params.maxTokens?.toString() ?? "",
    draftModel: c.params.draftModel ?? "",
  };
}

/** Blank or out-of-range fields mean "the model's default" (the server would reject them). */
export function paramsOf(s: Settings): ChatParams {
  const p: ChatParams = {};
  const t = Number(s.temperature);
  if (s.temperature.trim() !== "" && Number.isFinite(t) && t >= 0 && t <= 2) p.temperature = t;
  const m = Number(s.maxTokens);
  if (s.maxTokens.trim() !== "" && Number.isInteger(m) && m >= 1 && m <= 32_768) p.maxTokens = m;
  if (s.draftModel) p.draftModel = s.draftModel;
  return p;
}

export const systemPromptOf = (s: Settings): string | null => s.systemPrompt.trim() || null;

/** A title from the first prompt: its first line, cut at a word near 60 characters. */
export function titleFrom(prompt: string): string {
  const line = prompt.trim().split("\n")[0].trim();
  if (line.length <= 60) return line || "New chat";
  const cut = line.slice(0, 60);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 30 ? cut.lastIndexOf(" ") : 60)}…`;
}
