/** GGUF v3 constants (ggml/include/gguf.h and ggml.h). */
export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** Metadata value types (enum gguf_type). */
export enum ValueType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

/** Tensor element types (enum ggml_type). Not the metadata enum above. */
export enum TensorType { F32 = 0, F16 = 1 }

/** general.file_type (enum llama_ftype). */
export enum FileType { ALL_F32 = 0, MOSTLY_F16 = 1 }

export const bytesPerElement = (t: TensorType) => (t === TensorType.F32 ? 4 : 2);

/** A typed metadata value: the writer needs to know the wire type of each number. */
export type MetaValue =
  | { type: ValueType.UINT32 | ValueType.INT32 | ValueType.FLOAT32 | ValueType.UINT64; value: number }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.ARRAY; itemType: ValueType.STRING; value: string[] }
  | { type: ValueType.ARRAY; itemType: ValueType.FLOAT32 | ValueType.INT32; value: ArrayLike<number> };

export const u32 = (value: number): MetaValue => ({ type: ValueType.UINT32, value });
export const f32 = (value: number): MetaValue => ({ type: ValueType.FLOAT32, value });
export const str = (value: string): MetaValue => ({ type: ValueType.STRING, value });
export const bool = (value: boolean): MetaValue => ({ type: ValueType.BOOL, value });

export interface TensorSpec {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension. */
  dims: number[];
  type: TensorType;
  /** How to fill it: a constant (norm weights) or seeded noise with a standard deviation. */
  init: { kind: "const"; value: number } | { kind: "normal"; std: number };
  /** Its noise stream, derived with the seed (default: its index in the file). */
  stream?: number;
}

export const elementCount = (t: TensorSpec) => t.dims.reduce((a, b) => a * b, 1);
