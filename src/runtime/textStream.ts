import type { LlamaModel, Token } from "node-llama-cpp";

/**
 * Turns generated tokens into text pieces safe to emit: holds tokens whose bytes do not yet form
 * whole UTF-8 characters, and holds text that might be the start of a stop string. `push`
 * returns the piece to emit now ("" if none) and sets `stopped` when a stop string appeared
 * (the stop string and anything after it are never emitted).
 */
export class TextStream {
  stopped = false;
  /** The stop string that ended it. */
  stoppedBy?: string;
  private pending: Token[] = [];
  /** Recent tokens, so detokenizing a piece gets the leading space right. */
  private context: Token[] = [];
  private held = "";
  private readonly longestStop: number;

  /**
   * `preceding`: the tokens before the first generated one (a raw prompt's last few). Without
   * them, the first piece is detokenized as the start of a text, and SentencePiece vocabularies
   * drop its leading space: "The capital of France is" + "Paris".
   */
  constructor(private readonly model: LlamaModel, private readonly stops: readonly string[], preceding: readonly Token[] = []) {
    this.longestStop = stops.reduce((n, s) => Math.max(n, s.length), 0);
    this.context = preceding.slice(-4);
  }

  push(token: Token): string {
    this.pending.push(token);
    const piece = this.model.detokenize(this.pending, false, this.context);
    // A byte-fallback token may carry part of a character: wait (up to 4 bytes) for the rest.
    if (piece.endsWith("\uFFFD") && this.pending.length < 4) return "";
    this.context = this.context.length > 8 ? this.context.slice(-4) : this.context;
    for (const t of this.pending) this.context.push(t);
    this.pending.length = 0;
    return this.stops.length === 0 ? piece : this.checkStops(piece);
  }

  /** Text still held back when generation ends without a stop string. */
  flush(): string {
    if (this.stopped) return "";
    const rest = this.held + (this.pending.length ? this.model.detokenize(this.pending, false, this.context) : "");
    this.held = "";
    this.pending.length = 0;
    return rest;
  }

  private checkStops(piece: string): string {
    const text = this.held + piece;
    let cut = -1;
    for (const s of this.stops) {
      const at = text.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        this.stoppedBy = s;
      }
    }
    if (cut >= 0) {
      this.stopped = true;
      this.held = "";
      return text.slice(0, cut);
    }
    // Keep back the longest tail that could still grow into a stop string.
    let keep = 0;
    for (let n = Math.min(this.longestStop - 1, text.length); n > 0 && keep === 0; n--) {
      const tail = text.slice(text.length - n);
      if (this.stops.some((s) => s.startsWith(tail))) keep = n;
    }
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }
}
