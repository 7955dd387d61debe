import type { ModelSide, ReportCard } from "./report.ts";

const mb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${(n / 1e3).toFixed(1)}K`);
const num = (n: number, digits = 6) => n.toFixed(digits);

function params(s: ModelSide): string {
  return s.activeParameters < s.parameters ? `${count(s.parameters)} total, ${count(s.activeParameters)} active` : count(s.parameters);
}

/** The report card as text lines, for the CLI (and `show`). */
export function formatReport(r: ReportCard): string[] {
  const { model: q, source: b, quality: k, reference: ref } = r;
  const rows: [string, string, string][] = [
    ["", `${b.name} (${b.quantization})`, `${q.name} (${q.quantization})`],
    ["size", mb(b.sizeBytes), `${mb(q.sizeBytes)} (${((q.sizeBytes / b.sizeBytes) * 100).toFixed(1)}%)`],
    ["bits per weight", b.bitsPerWeight.toFixed(2), q.bitsPerWeight.toFixed(2)],
    ["parameters", params(b), params(q)],
    ["perplexity", k.pplBase.toFixed(4), `${k.pplQuant.toFixed(4)} (ratio ${k.pplRatio.toFixed(4)})`],
    ["prompt tokens/s", b.speed.promptTokensPerSecond.toFixed(1), q.speed.promptTokensPerSecond.toFixed(1)],
    ["generation tokens/s", b.speed.generationTokensPerSecond.toFixed(1), q.speed.generationTokensPerSecond.toFixed(1)],
    ["weights read/token", mb(b.bytesPerToken), mb(q.bytesPerToken)],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length)), w1 = Math.max(...rows.map((x) => x[1].length));
  const lines = [
    `quantization report: ${q.name} against ${b.name}`,
    `reference text: ${ref.bytes} bytes, ${ref.tokens} tokens, ${ref.chunks} chunks of ${ref.ctx}, ${k.positions} scored positions `
      + `(llama-perplexity -c ${ref.ctx} --kl-divergence), ${r.threads} thread${r.threads === 1 ? "" : "s"}`,
    "",
    ...rows.map(([a, x, y]) => `${a.padEnd(w0)}  ${x.padEnd(w1)}  ${y}`.trimEnd()),
    "",
    `KL divergence       mean ${num(k.meanKld)} ± ${num(k.meanKldUncertainty)}, median ${num(k.medianKld)}, 99% ${num(k.p99Kld)}, max ${num(k.maxKld)}`,
    `top-1 agreement     ${(k.top1Agreement * 100).toFixed(2)}% (same most likely next token)`,
    `RMS Δp              ${(k.rmsDeltaP * 100).toFixed(3)}% (change in the correct token's probability)`,
  ];
  if (q.activeParameters < q.parameters) {
    lines.push(`mixture of experts:  each generated token reads only the active ${count(q.activeParameters)} of ${count(q.parameters)} parameters `
      + `(≈ ${mb(q.bytesPerToken)} of ${mb(q.sizeBytes)}), so generation runs at the speed of a ${count(q.activeParameters)} dense model`);
  }
  if (k.positions < 100) lines.push(`note: only ${k.positions} positions scored; llama-perplexity prints statistics from 100`);
  return lines;
}
