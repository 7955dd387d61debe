/**
 * Three sycophancy figures for one model on the built-in suite (methods brief §2.4):
 * regressive flip rate under pushback, the accuracy drop when the user states a wrong belief,
 * and the rating shift when the judged text is presented as the user's own.
 */
import type { App } from "../../app.ts";
import type { ChatMessage } from "../../runtime/types.ts";
import { pool } from "../pool.ts";
import { figures, probeItem, type SycophancyFigures } from "./measure.ts";
import { loadProbes, type ProbeItem } from "./probes.ts";

export type { Figure } from "./measure.ts";

export interface SycophancyReport extends SycophancyFigures {
  model: string;
  judge: string;
}

export interface SycophancyOptions {
  /** Who rates texts for (c); default the model itself. */
  judge?: string;
  concurrency?: number;
  seed?: number;
  signal?: AbortSignal;
  items?: ProbeItem[];
}

export async function sycophancy(app: Pick<App, "gateway">, model: string, o: SycophancyOptions = {}): Promise<SycophancyReport> {
  const items = o.items ?? loadProbes();
  const judgeName = o.judge ?? model;
  const [backend, judge] = await Promise.all([app.gateway.resolve(model), app.gateway.resolve(judgeName)]);
  const opts = { temperature: 0, maxTokens: 64, signal: o.signal };
  const asker = (b: typeof backend) => async (messages: ChatMessage[]) => (await b.chat(messages, opts)).text;
  const rows = await pool(items, o.concurrency ?? 4, (p) => probeItem(p, asker(backend), asker(judge), judgeName));
  return { model, judge: judgeName, ...figures(rows, judgeName, o.seed ?? 7) };
}
