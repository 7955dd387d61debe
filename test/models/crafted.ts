import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testModel } from "../helpers/models.ts";

/**
 * The tiny test model with its header edited, for files the generator never writes: another GGUF
 * version, or another general.architecture of the same length (so no offset moves).
 */
export async function craftedModel(dir: string, edit: { version?: number; architecture?: string }): Promise<string> {
  const bytes = Buffer.from(readFileSync(await testModel()));
  if (edit.version !== undefined) bytes.writeUInt32LE(edit.version, 4); // after the "GGUF" magic
  if (edit.architecture !== undefined) {
    const key = Buffer.from("general.architecture");
    const at = bytes.indexOf(key) + key.length + 4 + 8; // value type (u32), string length (u64)
    if (bytes.toString("latin1", at, at + 5) !== "llama" || edit.architecture.length !== 5) throw new Error("only a 5-letter architecture fits");
    bytes.write(edit.architecture, at, "latin1");
  }
  const path = join(dir, `crafted-v${edit.version ?? 3}-${edit.architecture ?? "llama"}.gguf`);
  writeFileSync(path, bytes);
  return path;
}
