/** The `models` table: every GGUF file Freehold knows, however it arrived. */
import { conflict, notFound } from "../../errors.ts";
import { type Db, isUniqueViolation } from "../db.ts";
import type { Preset } from "../../models/preset.ts";
import { fromRow, isUuid, toColumns } from "./columns.ts";

export interface ModelRecord {
  id: string;
  name: string;
  /** Absolute path of the GGUF file. */
  path: string;
  /** How it arrived: import | pull | generated | quantize | upstream ... (open set). */
  source: string;
  /** e.g. `hf:owner/repo:file`, or the original path. */
  sourceRef: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  architecture: string | null;
  parameterCount: number | null;
  quantization: string | null;
  contextLength: number | null;
  expertCount: number | null;
  expertUsedCount: number | null;
  chatTemplate: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  /** Its own system prompt and parameters (a Modelfile's), or null for the weights as they are. */
  preset: Preset | null;
  /** The model this one was quantized or fine-tuned from. */
  parentModelId: string | null;
  createdAt: Date;
}

type Optional = Omit<ModelRecord, "id" | "createdAt" | "name" | "path" | "source">;
/** `id` may be chosen by the caller, e.g. to name the model's file before the row exists. */
export type NewModel = Pick<ModelRecord, "name" | "path" | "source"> & Partial<Optional> & { id?: string };
export type ModelPatch = Partial<Omit<ModelRecord, "id" | "createdAt">>;

const FIELDS = [
  "name", "path", "source", "sourceRef", "sha256", "sizeBytes", "architecture", "parameterCount",
  "quantization", "contextLength", "expertCount", "expertUsedCount", "chatTemplate", "description",
  "metadata", "preset", "parentModelId",
] as const;
const INSERT_FIELDS = ["id", ...FIELDS] as const;
const JSON_FIELDS = ["metadata", "preset"];

export class ModelsRepo {
  constructor(private readonly db: Db) {}

  async insert(rec: NewModel): Promise<ModelRecord> {
    const { columns, params } = toColumns(rec, INSERT_FIELDS, JSON_FIELDS);
    const sql = `INSERT INTO models (${columns.join(", ")}) VALUES (${params.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING *`;
    const rows = await this.guard(rec.name, () => this.db.query(sql, params));
    return fromRow<ModelRecord>(rows[0]);
  }

  async getByName(name: string): Promise<ModelRecord | undefined> {
    const row = await this.db.one("SELECT * FROM models WHERE name = $1", [name]);
    return row && fromRow<ModelRecord>(row);
  }

  async getById(id: string): Promise<ModelRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one("SELECT * FROM models WHERE id = $1", [id]);
    return row && fromRow<ModelRecord>(row);
  }

  async list(): Promise<ModelRecord[]> {
    const rows = await this.db.query("SELECT * FROM models ORDER BY name");
    return rows.map((r) => fromRow<ModelRecord>(r));
  }

  async remove(name: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM models WHERE name = $1 RETURNING id", [name])).length > 0;
  }

  /** Updates the given fields; renaming onto an existing name is a conflict. */
  async update(name: string, patch: ModelPatch): Promise<ModelRecord> {
    const { columns, params } = toColumns(patch, FIELDS, JSON_FIELDS);
    if (columns.length === 0) {
      const current = await this.getByName(name);
      if (!current) throw notFound(`model '${name}' not found`);
      return current;
    }
    const set = columns.map((c, i) => `${c} = $${i + 2}`).join(", ");
    const rows = await this.guard(patch.name ?? name, () =>
      this.db.query(`UPDATE models SET ${set} WHERE name = $1 RETURNING *`, [name, ...params]),
    );
    if (rows.length === 0) throw notFound(`model '${name}' not found`);
    return fromRow<ModelRecord>(rows[0]);
  }

  private async guard<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a model named '${name}' already exists`);
      throw err;
    }
  }
}
