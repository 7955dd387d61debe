import { invalid } from "../errors.ts";

/**
 * Model names are user-facing labels ("tinyllama:q4_0", "org/model"), never paths: files live
 * under models/<id>.gguf. Still, names are kept to a safe alphabet so they are safe in URLs,
 * shells and logs, and can never smuggle a path.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@\/-]{0,127}$/;

export function checkModelName(name: string): string {
  if (!NAME.test(name) || name.includes("..") || name.includes("//") || name.endsWith("/")) {
    throw invalid(`invalid model name "${name}": use letters, digits and . _ - : @ / (up to 128 characters, no "..")`, "name");
  }
  return name;
}

/** A default name from a file name: "TinyLlama-1.1B-Q4_0.gguf" → "tinyllama-1.1b-q4_0". */
export function nameFromFile(fileName: string): string {
  const base = fileName.replace(/\.gguf$/i, "").toLowerCase().replace(/[^a-z0-9._:-]+/g, "-").replace(/^[^a-z0-9]+/, "");
  return checkModelName(base.slice(0, 128) || "model");
}
