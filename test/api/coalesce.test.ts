import { createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { coalescedEnd, coalescedWrite } from "../../src/api/coalesce.ts";

/**
 * coalescedWrite against a real socket: a route writes `events` events `gapMs` apart, and the
 * test counts what reaches the socket as separate sends (each flush is one write).
 */
let server: Server;
let port = 0;
const sends: { at: number; data: string }[][] = [];
const timerCounts: number[][] = [];
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

beforeAll(async () => {
  server = createServer((req, res) => {
    const q = new URL(req.url!, "http://x").searchParams;
    const [events, gapMs, intervalMs] = ["events", "gap", "interval"].map((k) => Number(q.get(k)));
    if (q.get("endEarly")) {
      // A second write within the interval sets its flush timer; ending must cancel it at once.
      res.writeHead(200, { "content-type": "text/event-stream" });
      coalescedWrite(res, "data: 1\n\n", intervalMs);
      setTimeout(() => {
        const before = timeouts();
        coalescedWrite(res, "data: 2\n\n", intervalMs);
        const pending = timeouts();
        coalescedEnd(res, "data: [DONE]\n\n");
        timerCounts.push([before, pending, timeouts()]);
      }, 2);
      return;
    }
    const log: { at: number; data: string }[] = [];
    sends.push(log);
    countSends(res, log);
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (q.get("burst")) { // a whole answer in one turn, as an instant upstream delivers it
      for (let i = 1; i <= events; i++) coalescedWrite(res, `data: ${i}\n\n`, intervalMs);
      coalescedEnd(res, "data: [DONE]\n\n");
      return;
    }
    let i = 0;
    const next = () => {
      coalescedWrite(res, `data: ${++i}\n\n`, intervalMs);
      if (i < events) setTimeout(next, gapMs);
      else setTimeout(() => coalescedEnd(res, "data: [DONE]\n\n"), gapMs);
    };
    next();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Records every write the response's socket makes to the kernel, with the events it carried. */
function countSends(res: ServerResponse, log: { at: number; data: string }[]) {
  const socket = res.socket! as unknown as { _writev: Function; _write: Function };
  const writev = socket._writev, write = socket._write;
  socket._writev = function (chunks: { chunk: Buffer | string }[], cb: () => void) {
    log.push({ at: performance.now(), data: chunks.map((c) => String(c.chunk)).join("") });
    return writev.call(this, chunks, cb);
  };
  socket._write = function (chunk: Buffer | string, enc: string, cb: () => void) {
    log.push({ at: performance.now(), data: String(chunk) });
    return write.call(this, chunk, enc, cb);
  };
}

function stream(events: number, gap: number, interval: number, burst = false): Promise<{ body: string; sends: { at: number; data: string }[] }> {
  return new Promise((ok, fail) => {
    request({ port, path: `/?events=${events}&gap=${gap}&interval=${interval}${burst ? "&burst=1" : ""}` }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => ok({ body, sends: sends.at(-1)! }));
    }).on("error", fail).end();
  });
}

const eventsIn = (s: string) => [...s.matchAll(/data: (\d+)/g)].map((m) => Number(m[1]));
const all = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test("events faster than the interval: the first goes alone at once, the rest at most one send per interval, none lost", async () => {
  const { body, sends } = await stream(60, 2, 20);
  expect(eventsIn(body)).toEqual(all(60));
  expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
  const withEvents = sends.filter((s) => eventsIn(s.data).length > 0);
  expect(eventsIn(withEvents[0].data)).toEqual([1]); // with the headers: time to first token is not delayed
  // 60 events over ≥ 120 ms: a send per 20 ms, plus the first and the end.
  expect(withEvents.length).toBeLessThanOrEqual(12);
  expect(withEvents.length).toBeGreaterThanOrEqual(3);
  // At most one send per interval over the stream's life (the first goes at once; the end() may follow sooner).
  // A rate, not each gap: on a loaded machine a late timer and a prompt one can land closer than an interval.
  const span = withEvents.at(-1)!.at - withEvents[0].at;
  expect(withEvents.length).toBeLessThanOrEqual(2 + Math.ceil(span / 20));
});

test("writes of one turn go out in one send, as one chunk of the chunked encoding, headers and end included", async () => {
  const { body, sends } = await stream(10, 0, 20, true);
  expect(eventsIn(body)).toEqual(all(10));
  expect(sends.length).toBe(1);
  // One chunk-size line for all ten events and [DONE], then the last chunk: not a chunk per write.
  expect(sends[0].data).toMatch(/^HTTP\/1\.1 200[^]*?\r\n\r\n[0-9a-f]+\r\n(data: \d+\n\n){10}data: \[DONE\]\n\n\r\n0\r\n\r\n$/);
});

test("events slower than the interval go out one by one, as they come", async () => {
  const { body, sends } = await stream(5, 40, 20);
  expect(eventsIn(body)).toEqual(all(5));
  expect(sends.filter((s) => eventsIn(s.data).length > 0).map((s) => eventsIn(s.data))).toEqual(all(5).map((i) => [i]));
});

test("interval 0: every turn of the event loop sends what it wrote", async () => {
  const { body, sends } = await stream(60, 2, 0);
  expect(eventsIn(body)).toEqual(all(60));
  // Each event is written by its own timer; two timers that come due together share a turn.
  expect(sends.filter((s) => eventsIn(s.data).length > 0).length).toBeGreaterThanOrEqual(30);
});

test("ending a stream cancels its pending interval flush: no timer keeps the finished response alive", async () => {
  const body = await new Promise<string>((ok, fail) => {
    request({ port, path: "/?endEarly=1&interval=20" }, (res) => {
      let b = "";
      res.setEncoding("utf8").on("data", (d) => (b += d)).on("end", () => ok(b));
    }).on("error", fail).end();
  });
  expect(eventsIn(body)).toEqual([1, 2]);
  const [before, pending, after] = timerCounts.at(-1)!;
  expect(pending).toBe(before + 1);
  expect(after).toBe(before);
});
