import type { Db } from "../store/db.ts";
import { JobsRepo, type JobRecord } from "../store/repos/jobs.ts";

/**
 * A long operation as a row in `jobs`: running → succeeded | failed | cancelled, with progress.
 * Progress writes are throttled (a 1B model has ~200 tensors, a 70B one ~700): at most one per
 * second. Without a database (unit tests) it records nothing.
 */
export class JobTracker {
  private last = 0;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly repo: JobsRepo | undefined, readonly job: JobRecord | undefined) {}

  static async start(db: Db | undefined, kind: string, params: Record<string, unknown>): Promise<JobTracker> {
    if (!db) return new JobTracker(undefined, undefined);
    const repo = new JobsRepo(db);
    const job = await repo.create(kind, params);
    await repo.update(job.id, { status: "running" });
    return new JobTracker(repo, job);
  }

  progress(fraction: number): void {
    const now = Date.now();
    if (!this.repo || !this.job || now - this.last < 1000) return;
    this.last = now;
    const id = this.job.id;
    this.writing = this.writing.then(() => this.repo!.update(id, { progress: fraction })).catch(() => undefined);
  }

  async finish(patch: { status: "succeeded" | "failed" | "cancelled"; result?: unknown; error?: string }): Promise<void> {
    if (!this.repo || !this.job) return;
    await this.writing;
    await this.repo.update(this.job.id, { progress: patch.status === "succeeded" ? 1 : undefined, ...patch });
  }
}
