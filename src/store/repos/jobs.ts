/** The `jobs` table: long work (quantize, pull, eval, distill) as rows, so it survives restarts. */
import { notFound } from "../../errors.ts";
import type { Db } from "../db.ts";
import { fromRow, isUuid, toColumns } from "./columns.ts";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface JobRecord {
  id: string;
  kind: string;
  status: JobStatus;
  params: Record<string, unknown>;
  /** 0..1 */
  progress: number;
  result: unknown;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type JobPatch = Partial<Pick<JobRecord, "status" | "progress" | "result" | "error">>;

const PATCH_FIELDS = ["status", "progress", "result", "error"] as const;

export class JobsRepo {
  constructor(private readonly db: Db) {}

  async create(kind: string, params: Record<string, unknown> = {}): Promise<JobRecord> {
    const row = await this.db.one("INSERT INTO jobs (kind, params) VALUES ($1, $2) RETURNING *", [
      kind,
      JSON.stringify(params),
    ]);
    return fromRow<JobRecord>(row!);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one("SELECT * FROM jobs WHERE id = $1", [id]);
    return row && fromRow<JobRecord>(row);
  }

  async update(id: string, patch: JobPatch): Promise<JobRecord> {
    const { columns, params } = toColumns(patch, PATCH_FIELDS, ["result"]);
    const set = [...columns.map((c, i) => `${c} = $${i + 2}`), "updated_at = now()"].join(", ");
    const row = isUuid(id)
      ? await this.db.one(`UPDATE jobs SET ${set} WHERE id = $1 RETURNING *`, [id, ...params])
      : undefined;
    if (!row) throw notFound(`job '${id}' not found`);
    return fromRow<JobRecord>(row);
  }

  /** Newest first. */
  async list(kind?: string): Promise<JobRecord[]> {
    const rows = kind
      ? await this.db.query("SELECT * FROM jobs WHERE kind = $1 ORDER BY created_at DESC, id", [kind])
      : await this.db.query("SELECT * FROM jobs ORDER BY created_at DESC, id");
    return rows.map((r) => fromRow<JobRecord>(r));
  }
}
