/**
 * Identity leaks: an answer that names a model, its family or its maker before the vote turns a
 * blind vote into a sighted one, so such votes are kept but not counted (FastChat drops battles
 * whose conversations contain its "identity words"). Matching is case-insensitive on word
 * boundaries; false alarms only cost one uncounted vote, a missed leak costs the leaderboard.
 */
interface Rule { label: string; re: RegExp }

const rule = (label: string, pattern: string): Rule => ({ label, re: new RegExp(pattern, "i") });

/** Families and makers of open-weight and hosted models. */
const KNOWN: Rule[] = [
  rule("llama", String.raw`llama`), // also TinyLlama, CodeLlama
  rule("meta", String.raw`\bmeta(?![-\w])(\s+(ai|platforms))?`), // not "meta-analysis"
  rule("mistral", String.raw`\b(mistral|mixtral|codestral|ministral|magistral)\b`),
  rule("qwen", String.raw`\b(qwen\w*|qwq|tongyi|qianwen)\b`),
  rule("alibaba", String.raw`\balibaba\b`),
  rule("google", String.raw`\b(google|deepmind|gemma|gemini|bard|palm[- ]?2)\b`),
  rule("microsoft", String.raw`\b(microsoft|phi[- ]?[1-4](\.\d)?)\b`),
  rule("openai", String.raw`\b(openai|chatgpt|gpt)(?![a-z])`), // gpt-4, GPT4o
  rule("anthropic", String.raw`\b(anthropic|claude)\b`),
  rule("deepseek", String.raw`\bdeep ?seek\b`),
  rule("other labs", String.raw`\b(cohere|command[- ]r|vicuna|lmsys|hugging ?face|smollm|nvidia|nemotron|olmo|allen institute|ai2|tülu|tulu|zhipu|chatglm|01\.ai|yi-\d|databricks|dbrx|xai|kimi|ibm granite)\b`),
];

/** Name parts too generic to give a model away ("tiny", "instruct", "q4"...). */
const GENERIC = new Set([
  "model", "models", "chat", "instruct", "base", "tiny", "small", "mini", "medium", "large", "demo", "random", "test",
  "gguf", "quant", "latest", "preview", "experimental", "hf", "it", "moe", "dense", "local", "upstream", "default",
]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rules for the battle's own model names: the whole name, and its distinctive parts of 4+ letters. */
export function nameRules(modelNames: string[]): Rule[] {
  const words = new Set<string>();
  for (const name of modelNames) {
    const whole = name.toLowerCase();
    if (!GENERIC.has(whole)) words.add(whole);
    for (const part of whole.split(/[^a-z]+/)) if (part.length >= 4 && !GENERIC.has(part)) words.add(part);
  }
  return [...words].map((w) => rule(w, String.raw`(?<!\w)${escape(w)}(?!\w)`));
}

/** Labels of the identity words found in `text` (empty: no leak). */
export function identityLeaks(text: string, modelNames: string[] = []): string[] {
  const found = new Set<string>();
  for (const r of [...KNOWN, ...nameRules(modelNames)]) if (r.re.test(text)) found.add(r.label);
  return [...found];
}
