import type { ChatMessage } from "../runtime/types.ts";

/** What a chat's answers are generated with; `/set parameter` changes them. */
export interface ChatParams { temperature?: number; maxTokens?: number; seed?: number; json?: boolean }

/** Ollama's parameter names (what `ollama run` users type) → ChatParams, each with its check. */
type NumericParam = "temperature" | "maxTokens" | "seed";
const PARAMETERS: Record<string, { key: NumericParam; parse: (v: string) => number | undefined; what: string }> = {
  temperature: { key: "temperature", parse: (v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined), what: "a number of 0 or more" },
  num_predict: { key: "maxTokens", parse: (v) => (/^[1-9]\d*$/.test(v) ? Number(v) : undefined), what: "a whole number of 1 or more" },
  seed: { key: "seed", parse: (v) => (/^\d+$/.test(v) && Number(v) < 2 ** 32 ? Number(v) : undefined), what: "a whole number from 0 to 4294967295" },
};

const HELP = [
  "/set system <text>             set the system prompt (the conversation is kept)",
  "/set parameter <name> <value>  temperature, num_predict or seed",
  "/set verbose, /set quiet       show (or not) each answer's token counts, durations and rates",
  "/set format json, /set noformat  answers in JSON (a grammar holds the model to it), or free text",
  "/show                          the system prompt and parameters",
  "/load <model>                  chat with another model, from a new conversation",
  "/save <model>                  keep this conversation, system prompt and parameters as a new model",
  "/clear                         forget the conversation (the system prompt stays)",
  "/bye                           quit (also /exit, or Ctrl-D)",
  '"""                            begin and end a message of several lines',
].join("\n");

/**
 * The conversation of `freehold run`'s interactive chat and its slash commands, as `ollama run`
 * has them. Lines that are not commands are messages; the caller sends them with `history`.
 */
export class ChatSession {
  /** The system prompt (when set) first, then the turns so far. */
  readonly history: ChatMessage[];
  private pending?: string[];

  constructor(system: string | undefined, readonly params: ChatParams, public verbose = false) {
    this.history = system ? [{ role: "system", content: system }] : [];
  }

  /**
   * A line typed at the prompt: `{ message }` to send, `{ output }` to print, `{ quit }`, or
   * `{ more }` while a `"""` message is still open.
   */
  line(raw: string): { message: string } | { output: string } | { quit: true } | { more: true } | { empty: true } | { load: string } | { save: string } {
    if (this.pending) {
      const end = raw.trimEnd().endsWith('"""');
      this.pending.push(end ? raw.trimEnd().slice(0, -3) : raw);
      if (!end) return { more: true };
      const text = this.pending.join("\n").trim();
      this.pending = undefined;
      return text ? { message: text } : { empty: true };
    }
    const line = raw.trim();
    if (line.startsWith('"""')) {
      const rest = line.slice(3);
      if (rest.endsWith('"""') && rest.length >= 3) return this.line(rest.slice(0, -3)); // """one line"""
      this.pending = [rest];
      return { more: true };
    }
    if (!line) return { empty: true };
    if (!line.startsWith("/")) return { message: line };
    const [command, ...args] = line.split(/\s+/);
    switch (command) {
      case "/bye": case "/exit": return { quit: true };
      case "/?": case "/help": return { output: HELP };
      case "/clear":
        this.restart();
        return { output: "conversation cleared" };
      case "/show": return { output: this.show() };
      case "/load": case "/save":
        if (args.length !== 1) return { output: `usage: ${command} <model>` };
        return command === "/load" ? { load: args[0] } : { save: args[0] };
      case "/set": return { output: this.set(args, line) };
      default: return { output: `unknown command ${command}: /? lists the commands` };
    }
  }

  /** A new conversation (after /load): the system prompt stays. */
  restart(): void {
    this.history.splice(this.history[0]?.role === "system" ? 1 : 0);
  }

  /** What /save keeps, as a Modelfile would say it: SYSTEM, PARAMETERs in Ollama's names, MESSAGEs. */
  preset(): { system?: string; parameters?: Record<string, number>; messages?: { role: string; content: string }[] } {
    const system = this.history[0]?.role === "system" ? this.history[0].content : undefined;
    const parameters = Object.fromEntries(Object.entries(PARAMETERS).flatMap(([name, p]) => (this.params[p.key] === undefined ? [] : [[name, this.params[p.key]!]])));
    const messages = this.history.filter((m) => m.role !== "system").map((m) => ({ role: m.role, content: m.content }));
    return { ...(system ? { system } : {}), ...(Object.keys(parameters).length ? { parameters } : {}), ...(messages.length ? { messages } : {}) };
  }

  private set(args: string[], line: string): string {
    if (args[0] === "system") {
      const text = line.replace(/^\/set\s+system\s*/, "").replace(/^"""|"""$/g, "").trim();
      if (!text) return "usage: /set system <text>";
      if (this.history[0]?.role === "system") this.history[0] = { role: "system", content: text };
      else this.history.unshift({ role: "system", content: text });
      return "system prompt set";
    }
    if (args[0] === "format" || args[0] === "noformat") {
      if (args[0] === "format" && args[1] !== "json") return "usage: /set format json";
      this.params.json = args[0] === "format";
      return this.params.json ? "answers in JSON" : "answers in free text";
    }
    if (args[0] === "verbose" || args[0] === "quiet") {
      this.verbose = args[0] === "verbose";
      return `${this.verbose ? "showing" : "not showing"} each answer's statistics`;
    }
    if (args[0] === "parameter") {
      const [name, value] = args.slice(1);
      const p = PARAMETERS[name ?? ""];
      if (!p) return `unknown parameter ${name ?? "(none)"}: temperature, num_predict or seed`;
      const v = value === undefined ? undefined : p.parse(value);
      if (v === undefined) return `${name} must be ${p.what}`;
      this.params[p.key] = v;
      return `${name} set to ${v}`;
    }
    return "usage: /set system <text> | /set parameter <name> <value> | /set format json | /set noformat | /set verbose | /set quiet";
  }

  private show(): string {
    const system = this.history[0]?.role === "system" ? this.history[0].content : "(none)";
    const names: Record<NumericParam, string> = { temperature: "temperature", maxTokens: "num_predict", seed: "seed" };
    const set = (Object.keys(names) as NumericParam[]).filter((k) => this.params[k] !== undefined).map((k) => `${names[k]} ${this.params[k]}`);
    return `system prompt: ${system}\nparameters: ${set.length ? set.join(", ") : "(the model's defaults)"}${this.params.json ? "\nformat: json" : ""}`;
  }
}
