import { readdirSync } from "node:fs";
import { join } from "node:path";
import koffi from "koffi";
import { FreeholdError } from "../errors.ts";
import { checkPin, findLibDir, installedVersions, LIB } from "./libDir.ts";

export { BINDING_PIN, installedVersions } from "./libDir.ts";

/**
 * `llama_model_quantize_params` exactly as include/llama.h of the pinned llama.cpp declares it
 * (see BINDING_PIN): 4 int32, 6 bools, padding to 24, 4 pointers, size_t = 64 bytes on 64-bit.
 */
const QuantizeParams = koffi.struct("llama_model_quantize_params", {
  nthread: "int32_t", // <= 0: std::thread::hardware_concurrency()
  ftype: "int32_t", // enum llama_ftype
  output_tensor_type: "int32_t", // enum ggml_type; GGML_TYPE_COUNT = by ftype
  token_embedding_type: "int32_t",
  allow_requantize: "bool",
  quantize_output_tensor: "bool",
  only_copy: "bool",
  pure: "bool",
  keep_split: "bool",
  dry_run: "bool",
  imatrix: "void *", // const llama_model_imatrix_data *
  kv_overrides: "void *",
  tt_overrides: "void *",
  prune_layers: "void *",
  max_buf_size: "size_t",
});

export interface QuantizeParams {
  nthread: number;
  ftype: number;
  output_tensor_type: number;
  token_embedding_type: number;
  allow_requantize: boolean;
  quantize_output_tensor: boolean;
  only_copy: boolean;
  pure: boolean;
  keep_split: boolean;
  dry_run: boolean;
  imatrix: unknown;
  kv_overrides: unknown;
  tt_overrides: unknown;
  prune_layers: unknown;
  max_buf_size: number | bigint;
}

export interface LlamaLib {
  dir: string;
  version(): string;
  backendInit(): void;
  defaultParams(): QuantizeParams;
  /** Runs on a libuv thread, so the calling process's event loop stays free. Resolves to llama.cpp's status (0 = ok). */
  quantize(input: string, output: string, params: QuantizeParams): Promise<number>;
  paramsSize: number;
}

let loaded: LlamaLib | undefined;

/** Loads ggml-base, ggml and llama (in dependency order) after checking the pin. */
export function loadLlamaLib(): LlamaLib {
  if (loaded) return loaded;
  const dir = findLibDir();
  checkPin(installedVersions(dir));
  const files = readdirSync(dir);
  const path = (re: RegExp) => {
    const f = files.find((x) => re.test(x));
    if (!f) throw new FreeholdError("internal", `${dir} has no file matching ${re}`);
    return join(dir, f);
  };
  koffi.load(path(LIB.ggmlBase));
  koffi.load(path(LIB.ggml));
  const lib = koffi.load(path(LIB.llama));
  const version = lib.func("const char *llama_version(void)");
  const quantize = lib.func("uint32_t llama_model_quantize(const char *fname_inp, const char *fname_out, const llama_model_quantize_params *params)");
  loaded = {
    dir,
    version: () => version() as string,
    backendInit: lib.func("void llama_backend_init(void)"),
    defaultParams: lib.func("llama_model_quantize_params llama_model_quantize_default_params(void)"),
    quantize: (input, output, params) => new Promise((resolve, reject) => {
      quantize.async(input, output, params, (err: unknown, rc: number) => (err ? reject(err) : resolve(rc)));
    }),
    paramsSize: koffi.sizeof(QuantizeParams),
  };
  return loaded;
}
