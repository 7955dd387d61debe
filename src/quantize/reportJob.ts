import { ModelsRepo, type ModelRecord } from "../store/repos/models.ts";
import { JobTracker } from "./job.ts";
import type { QuantizeApp } from "./quantize.ts";
import { quantReport, type ReportCard, type ReportOptions } from "./report.ts";

/**
 * Runs a report card as a `quantize-report` job and keeps the latest one in the quantized
 * model's metadata (`metadata.quantReport`), where `show` and the API can read it back.
 */
export async function reportAndStore(app: QuantizeApp, name: string, opts: ReportOptions = {}): Promise<ReportCard> {
  const job = await JobTracker.start(app.db, "quantize-report", { model: name, against: opts.against ?? null, threads: opts.threads ?? null });
  try {
    const card = await quantReport(app, name, {
      ...opts,
      onProgress: (stage, done, total) => {
        job.progress((stage === "source" ? 0 : 0.5) + done / total / 2);
        opts.onProgress?.(stage, done, total);
      },
    });
    if (app.db) {
      const m = await app.models.get(name);
      await new ModelsRepo(app.db).update(name, { metadata: { ...m.metadata, quantReport: card } });
    }
    await job.finish({ status: "succeeded", result: card });
    return card;
  } catch (e) {
    await job.finish({ status: "failed", error: (e as Error).message }).catch(() => undefined);
    throw e;
  }
}

export const storedReport = (m: Pick<ModelRecord, "metadata">): ReportCard | undefined => (m.metadata as { quantReport?: ReportCard } | null)?.quantReport;
