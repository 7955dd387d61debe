import { describe, expect, test } from "vitest";
import { BINDING_PIN, installedVersions, loadLlamaLib } from "../../src/quantize/llamaLib.ts";
import { GGML_TYPE_COUNT } from "../../src/quantize/types.ts";

/**
 * The quantizer's FFI binding copies a C struct layout from the bundled llama.h. If this test
 * fails, node-llama-cpp (and its llama.cpp) changed: re-read llama_model_quantize_params in the
 * new include/llama.h, fix the struct in src/quantize/llamaLib.ts, and only then update BINDING_PIN.
 */
describe("llama.cpp quantizer binding pin", () => {
  test("the installed node-llama-cpp and its llama.cpp are the versions the binding was verified against", () => {
    const v = installedVersions();
    expect(v).toEqual({
      nodeLlamaCpp: BINDING_PIN.nodeLlamaCpp,
      binariesPackage: BINDING_PIN.nodeLlamaCpp,
      llamaCppRelease: BINDING_PIN.llamaCppRelease,
      llamaCppCommit: BINDING_PIN.llamaCppCommit,
    });
  });

  test("the loaded library reports the pinned version and llama.h's defaults read back through the struct", () => {
    const lib = loadLlamaLib();
    expect(lib.version()).toBe(BINDING_PIN.llamaVersion);
    expect(lib.paramsSize).toBe(BINDING_PIN.quantizeParamsSize);
    // llama_model_quantize_default_params() in src/llama-quant.cpp. max_buf_size is the last
    // field (offset 56): reading 8 GiB there proves every offset before it.
    expect(lib.defaultParams()).toEqual({
      nthread: 0, ftype: 7 /* LLAMA_FTYPE_MOSTLY_Q8_0 */,
      output_tensor_type: GGML_TYPE_COUNT, token_embedding_type: GGML_TYPE_COUNT,
      allow_requantize: false, quantize_output_tensor: true, only_copy: false, pure: false, keep_split: false, dry_run: false,
      imatrix: null, kv_overrides: null, tt_overrides: null, prune_layers: null,
      max_buf_size: 8 * 1024 ** 3,
    });
  });
});
