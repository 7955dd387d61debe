/**
 * Where llama.cpp's server ends an /infill answer early (server-context.cpp, process_token), so an
 * editor gets a suggestion that fits where the cursor is:
 * - `nIndent`: once a line has ended, a later line indented less than this many spaces or tabs
 *   ends the answer, cut before that line's text (the completion left the cursor's block);
 * - `tMaxPredictMs`: once a line has ended, the answer ends at the next piece with a line break
 *   after this long generating.
 * `check` takes the whole answer so far after each piece, as the runtime's `endAt` calls it, and
 * returns the length to cut it to when it must end.
 */
export class InfillLimits {
  private hasNewLine = false;
  private lastNewLine = 0;
  private started?: number;
  /** How much of the answer the last check saw: the rest is the new piece. */
  private seen = 0;
  /** Why the answer ended early, if it did. */
  limited = false;

  constructor(private readonly nIndent: number, private readonly tMaxPredictMs: number, private readonly now: () => number = performance.now.bind(performance)) {}

  check(text: string): number | undefined {
    this.started ??= this.now();
    const piece = text.slice(this.seen);
    this.seen = text.length;
    let cut: number | undefined;
    if (this.hasNewLine && this.nIndent > 0) {
      if (this.lastNewLine > 0) {
        let pos = this.lastNewLine, indent = 0;
        while (pos < text.length && (text[pos] === " " || text[pos] === "\t")) { indent++; pos++; }
        if (pos < text.length && indent < this.nIndent) cut = pos;
      }
      const next = text.indexOf("\n", this.lastNewLine);
      if (next >= 0) this.lastNewLine = next + 1;
    }
    if (cut === undefined && piece.includes("\n")) {
      this.hasNewLine = true;
      if (this.tMaxPredictMs > 0 && this.now() - this.started > this.tMaxPredictMs) cut = text.length;
    }
    if (cut !== undefined) this.limited = true;
    return cut;
  }
}
