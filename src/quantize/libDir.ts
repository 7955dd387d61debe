import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { FreeholdError } from "../errors.ts";

/**
 * Where the bundled llama.cpp libraries live, and which version they are.
 *
 * BINDING_PIN: what the FFI binding (llamaLib.ts) was verified against. It copies `llama_model_quantize_params`
 * from include/llama.h of the llama.cpp that node-llama-cpp 3.22.1 bundles; a different
 * node-llama-cpp may reorder it, and a wrong layout corrupts memory silently. So loading
 * refuses any other version, and test/quantize/llamaLib.test.ts fails when one is installed.
 */
export const BINDING_PIN = {
  nodeLlamaCpp: "3.22.1",
  /** node_modules/node-llama-cpp/llama/binariesGithubRelease.json */
  llamaCppRelease: "v0.5.0",
  /** HEAD of node_modules/node-llama-cpp/llama/gitRelease.bundle */
  llamaCppCommit: "de3ff815ea7d559ee917f063901b8986f038abc6",
  /** sha256 of include/llama.h at that commit: the header the struct was read from */
  llamaHeaderSha256: "0199c9f12a5dd4099191a9b508d62ad715212981d181046a0d29750c57dd8694",
  /** llama_version() of the prebuilt library */
  llamaVersion: "0.5.0-dev",
  quantizeParamsSize: 64,
};

const require = createRequire(import.meta.url);

/** The prebuilt-binaries package for this machine; GPU variants carry the same libllama. */
function binariesPackages(): string[] {
  const os = ({ darwin: "mac", win32: "win", linux: "linux" } as Record<string, string>)[process.platform];
  if (!os) return [];
  const base = `@node-llama-cpp/${os}-${process.arch}`;
  return os === "mac" ? [`${base}-metal`, base] : [base, `${base}-vulkan`, `${base}-cuda`];
}

/** Finds the folder holding libllama and libggml*: bins/<variant>/ inside the package. */
export function findLibDir(): string {
  for (const pkg of binariesPackages()) {
    let entry: string;
    try { entry = require.resolve(pkg); } catch { continue; }
    const bins = join(dirname(entry), "..", "bins");
    for (const sub of readdirSync(bins)) {
      const dir = join(bins, sub);
      if (statSync(dir).isDirectory() && readdirSync(dir).some((f) => LIB.llama.test(f))) return dir;
    }
  }
  throw new FreeholdError("internal", `no prebuilt llama.cpp for ${process.platform}-${process.arch}: looked for ${binariesPackages().join(", ") || "a supported platform"}`);
}

export const LIB = {
  ggmlBase: /^(lib)?ggml-base(\.v[\d.]+)?\.(so|dylib|dll)$/,
  ggml: /^(lib)?ggml(\.v[\d.]+)?\.(so|dylib|dll)$/,
  llama: /^(lib)?llama(\.v[\d.]+)?\.(so|dylib|dll)$/,
};

const json = (p: string) => JSON.parse(readFileSync(p, "utf8"));

/** A package's folder: its exports hide package.json, so walk up from the entry point. */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, "package.json")) || json(join(dir, "package.json")).name !== name) {
    if (dirname(dir) === dir) throw new FreeholdError("internal", `cannot find the ${name} package folder`);
    dir = dirname(dir);
  }
  return dir;
}

/** Installed versions, read from disk (no native code): what the pin test and loadLlamaLib check. */
export function installedVersions(libDir = findLibDir()) {
  const nlcDir = packageRoot("node-llama-cpp");
  const bundleHead = readFileSync(join(nlcDir, "llama", "gitRelease.bundle")).subarray(0, 200).toString("latin1").split("\n")[1]?.split(" ")[0];
  return {
    nodeLlamaCpp: json(join(nlcDir, "package.json")).version as string,
    binariesPackage: json(join(libDir, "..", "..", "package.json")).version as string,
    llamaCppRelease: json(join(nlcDir, "llama", "binariesGithubRelease.json")).release as string,
    llamaCppCommit: bundleHead,
  };
}

export function checkPin(v: ReturnType<typeof installedVersions>) {
  const bad = ([
    ["node-llama-cpp", v.nodeLlamaCpp, BINDING_PIN.nodeLlamaCpp], ["binaries", v.binariesPackage, BINDING_PIN.nodeLlamaCpp],
    ["llama.cpp release", v.llamaCppRelease, BINDING_PIN.llamaCppRelease],
  ] as const).filter(([, got, want]) => got !== want);
  if (bad.length) {
    throw new FreeholdError("internal", `the quantizer's FFI binding is pinned to node-llama-cpp ${BINDING_PIN.nodeLlamaCpp} `
      + `(llama.cpp ${BINDING_PIN.llamaCppRelease}) but found ${bad.map(([k, got]) => `${k} ${got}`).join(", ")}: `
      + `re-verify llama_model_quantize_params in src/quantize/llamaLib.ts against the new include/llama.h, then update BINDING_PIN`);
  }
}

