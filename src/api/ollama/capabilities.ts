import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { findModel } from "./resolve.ts";

type Model = Pick<ModelRecord, "architecture" | "chatTemplate"> & { metadata?: ModelRecord["metadata"] };

/** Encoder-only architectures: they embed but cannot generate. */
const ENCODERS = /^(bert|nomic-bert|nomic-bert-moe|jina-bert-v2|jina-bert-v3|neo-bert|modern-bert|t5encoder)$/;

/**
 * What /api/show reports, truthfully for this server: every generative model completes and (through
 * /api/embed) embeds; "tools" and "thinking" when the GGUF's chat template handles them;
 * "insert" when its vocabulary has fill-in-the-middle tokens (`suffix`). Not "vision" (no projectors).
 */
export function capabilitiesOf(m: Model): string[] {
  if (ENCODERS.test(m.architecture ?? "")) return ["embedding"];
  if (m.metadata?.reranker) return ["rerank"]; // not Ollama's (it has no rerankers): tells clients it does not chat
  const t = m.chatTemplate ?? "";
  const caps = ["completion", "embedding"];
  if (/\btools\b/.test(t)) caps.push("tools");
  if (/<think>|enable_thinking|reasoning_content|<\|channel\|>/.test(t)) caps.push("thinking");
  if (m.metadata?.infill) caps.push("insert");
  return caps;
}

/**
 * `think`: true (or a level) asks for the reasoning in `thinking`, which Ollama refuses for
 * models that cannot think; false drops reasoning from the answer; unset passes it on.
 */
export async function thinkingWanted(app: App, model: string, think: boolean | string | null | undefined): Promise<boolean> {
  if (think === false) return false;
  if (think === null || think === undefined) return true;
  const m = await findModel(app, model);
  if (!capabilitiesOf(m).includes("thinking")) throw invalid(`"${model}" does not support thinking`, "think");
  return true;
}
