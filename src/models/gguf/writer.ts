import { open } from "node:fs/promises";
import {
  GGUF_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, type MetaValue, type TensorSpec, TensorType, ValueType,
  bytesPerElement, elementCount,
} from "./format.ts";
import { WeightNoise, halfTable } from "./random.ts";

/** Growable little-endian byte buffer for the GGUF header. */
class Bytes {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number) { this.room(4); this.buf.writeUInt32LE(v, this.length); this.length += 4; }
  i32(v: number) { this.room(4); this.buf.writeInt32LE(v, this.length); this.length += 4; }
  u64(v: number) { this.room(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  f32(v: number) { this.room(4); this.buf.writeFloatLE(v, this.length); this.length += 4; }
  u8(v: number) { this.room(1); this.buf[this.length++] = v; }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.room(b.length); b.copy(this.buf, this.length); this.length += b.length;
  }
  pad(alignment: number) { while (this.length % alignment) this.u8(0); }
  bytes() { return this.buf.subarray(0, this.length); }
}

function writeValue(out: Bytes, v: MetaValue) {
  out.u32(v.type);
  switch (v.type) {
    case ValueType.UINT32: return out.u32(v.value);
    case ValueType.INT32: return out.i32(v.value);
    case ValueType.FLOAT32: return out.f32(v.value);
    case ValueType.UINT64: return out.u64(v.value);
    case ValueType.BOOL: return out.u8(v.value ? 1 : 0);
    case ValueType.STRING: return out.str(v.value);
    case ValueType.ARRAY: {
      out.u32(v.itemType);
      out.u64(v.value.length);
      if (v.itemType === ValueType.STRING) for (const s of v.value as string[]) out.str(s);
      else if (v.itemType === ValueType.FLOAT32) for (let i = 0; i < v.value.length; i++) out.f32((v.value as ArrayLike<number>)[i]);
      else for (let i = 0; i < v.value.length; i++) out.i32((v.value as ArrayLike<number>)[i]);
    }
  }
}

const align = (n: number) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
const CHUNK_ELEMENTS = 1 << 20;

/**
 * Writes a GGUF v3 file: header and tensor table built in memory (small), tensor data streamed
 * in 1M-element chunks so multi-gigabyte models never sit in memory. Deterministic for a seed:
 * each tensor gets its own PRNG stream derived from the seed and its index (or its `stream`).
 */
export async function writeGguf(
  path: string,
  metadata: Record<string, MetaValue>,
  tensors: TensorSpec[],
  seed: number,
  onProgress?: (written: number, total: number) => void,
): Promise<{ bytes: number }> {
  const head = new Bytes();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) { head.str(key); writeValue(head, value); }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offsets.push(offset);
    offset = align(offset + elementCount(t) * bytesPerElement(t.type));
  }
  head.pad(GGUF_ALIGNMENT);
  const total = head.length + offset;

  const file = await open(path, "w");
  try {
    await file.write(head.bytes());
    let written = head.length;
    for (const [index, t] of tensors.entries()) {
      const noise = new WeightNoise((seed * 1_000_003 + (t.stream ?? index) * 7919) >>> 0);
      const table = t.init.kind === "normal" ? noise.normalTable(t.init.std) : new Float32Array(4096).fill(t.init.value);
      const table16 = t.type === TensorType.F16 ? halfTable(table) : undefined;
      let left = elementCount(t);
      while (left > 0) {
        const n = Math.min(left, CHUNK_ELEMENTS);
        let chunk: Buffer;
        if (table16) { const a = new Uint16Array(n); noise.fillF16(a, table16); chunk = Buffer.from(a.buffer); }
        else { const a = new Float32Array(n); noise.fillF32(a, table); chunk = Buffer.from(a.buffer); }
        await file.write(chunk);
        written += chunk.length;
        left -= n;
      }
      const end = head.length + (tensors[index + 1] ? offsets[index + 1] : offset);
      if (end > written) { await file.write(Buffer.alloc(end - written)); written = end; }
      onProgress?.(written, total);
    }
    return { bytes: written };
  } finally {
    await file.close();
  }
}
