/**
 * Server-sent events → the `data` of each event, per the SSE spec: lines end with \n, \r\n or
 * \r; an event ends at a blank line; several `data:` lines join with \n; comments (":") and
 * other fields (event, id, retry) are skipped. Chunks may split lines and UTF-8 characters.
 *
 * Synchronous and callback-based, because it runs for every chunk of every proxied stream: no
 * generator or promise per line or event, no regular expression, no array per event.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  /** The start of a line whose end has not arrived yet. */
  private buffer = "";
  /** The data lines of the event being read, joined with \n; undefined when it has none. */
  private data: string | undefined;

  /** Feeds one chunk; `emit` gets the data of every event that chunk completes, in order. */
  push(chunk: Uint8Array | string, emit: (data: string) => void): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const buf = this.buffer ? this.buffer + text : text;
    const n = buf.length;
    let start = 0;
    // Next \n and \r at or after `start` (-1: none left in buf), each searched for again only
    // once passed, so a chunk is scanned once whatever the mix of line ends.
    let nl = -2, cr = -2;
    for (;;) {
      if (nl !== -1 && nl < start) nl = buf.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = buf.indexOf("\r", start);
      let end: number, next: number;
      if (cr === -1 || (nl !== -1 && nl < cr)) {
        if (nl === -1) break;
        end = nl;
        next = nl + 1;
      } else {
        // A \r at the very end may be the first half of \r\n: wait for the next chunk.
        if (cr === n - 1) break;
        end = cr;
        next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      }
      this.line(buf, start, end, emit);
      start = next;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
  }

  /** The body ended: a last line without its line end, and an event without its blank line, still count. */
  end(emit: (data: string) => void): void {
    let rest = this.buffer + this.decoder.decode();
    this.buffer = "";
    if (rest.endsWith("\r")) rest = rest.slice(0, -1);
    if (rest) this.line(rest, 0, rest.length, emit);
    this.dispatch(emit);
  }

  private line(buf: string, start: number, end: number, emit: (data: string) => void): void {
    if (start === end) return this.dispatch(emit);
    let value: string;
    if (buf.startsWith("data:", start) && end - start >= 5) {
      let from = start + 5;
      if (from < end && buf.charCodeAt(from) === 32) from++; // one leading space is not part of the value
      value = buf.slice(from, end);
    } else if (end - start === 4 && buf.startsWith("data", start)) {
      value = ""; // a field name without a colon has an empty value
    } else {
      return; // a comment (":…") or another field
    }
    this.data = this.data === undefined ? value : `${this.data}\n${value}`;
  }

  private dispatch(emit: (data: string) => void): void {
    const data = this.data;
    if (data === undefined) return;
    this.data = undefined;
    emit(data);
  }
}

/** The same, over an async iterable of chunks. */
export async function* sseData(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const parser = new SseParser();
  const events: string[] = [];
  const emit = (data: string) => { events.push(data); };
  for await (const chunk of body) {
    parser.push(chunk, emit);
    yield* events.splice(0);
  }
  parser.end(emit);
  yield* events.splice(0);
}
