/**
 * Server-sent events → the `data` of each event, per the SSE spec: lines end with \n, \r\n or
 * \r; an event ends at a blank line; several `data:` lines join with \n; comments (":") and
 * other fields (event, id, retry) are skipped. Chunks may split lines and UTF-8 characters.
 */
export async function* sseData(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  const flush = function* () {
    if (data.length) yield data.join("\n");
    data = [];
  };
  const line = function* (l: string) {
    if (l === "") return yield* flush();
    if (l.startsWith(":")) return;
    const colon = l.indexOf(":");
    const field = colon < 0 ? l : l.slice(0, colon);
    if (field !== "data") return;
    let value = colon < 0 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    data.push(value);
  };
  const eol = /\r\n|\r|\n/g;
  for await (const chunk of body) {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    eol.lastIndex = 0;
    for (let m = eol.exec(buffer); m; m = eol.exec(buffer)) {
      // A \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (m[0] === "\r" && m.index === buffer.length - 1) break;
      yield* line(buffer.slice(start, m.index));
      start = eol.lastIndex;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer) yield* line(buffer.replace(/\r$/, ""));
  yield* flush(); // a stream cut without the final blank line still delivers its last event
}
