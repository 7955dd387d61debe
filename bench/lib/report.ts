import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";

const FILE = resolve(import.meta.dirname, "../../BENCHMARKS.md");
const HEADER = `# Benchmarks

Written by \`npm run bench\` (or \`npm run bench -- <name>\`). Each section is replaced when its
benchmark runs again, and says the machine and method it was measured with. Comparisons are made
side by side in one run: read the ratios, not the absolute numbers (machines here are shared).
`;

/** Replaces (or appends) one benchmark's section of BENCHMARKS.md. */
export function writeSection(name: string, markdown: string) {
  let doc = existsSync(FILE) ? readFileSync(FILE, "utf8") : HEADER;
  const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start), j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, doc);
}

export function machine(): string {
  // node-llama-cpp's exports hide package.json, so read it from the folder.
  const nlc = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../node_modules/node-llama-cpp/package.json"), "utf8")).version;
  return `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
    `Node ${process.version}, node-llama-cpp ${nlc}, ${new Date().toISOString().slice(0, 10)}`;
}

export const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
