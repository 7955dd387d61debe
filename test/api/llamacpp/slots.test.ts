import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** llama.cpp's server's GET /slots: the model's sequences and which are busy, as monitors and load balancers read it. */
let s: TestServer;
beforeAll(async () => { s = await startServer({ models: { tiny: { shape: "tiny" } }, app: { runtime: { sequences: 2 } } }); });
afterAll(async () => { await s?.close(); });

const slots = async (query = "") => {
  const r = await fetch(`${s.url}/slots${query}`);
  return { status: r.status, body: await r.json() };
};

describe("GET /slots", () => {
  test("one entry per sequence, busy ones marked while they stream; ?fail_on_no_slot=1 is a 503 when none is free", async () => {
    // Not loaded yet: its sequences, all free (the model is not loaded for this).
    const before = await slots("?model=tiny");
    expect(before.body).toEqual([0, 1].map((id) => ({ id, n_ctx: expect.any(Number), speculative: false, is_processing: false })));
    expect(s.app.runtime.ps()).toEqual([]);

    // Two streams hold both sequences until they are read to the end.
    const streams = await Promise.all([0, 1].map(() => fetch(`${s.url}/completion`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hello", n_predict: 4000, stream: true, ignore_eos: true }),
    })));
    const readers = streams.map((r) => r.body!.getReader());
    await Promise.all(readers.map((r) => r.read())); // both have started answering
    const busy = await slots();
    expect(busy.body.map((x: { is_processing: boolean }) => x.is_processing)).toEqual([true, true]);
    expect(busy.body[0].n_ctx).toBe(before.body[0].n_ctx);
    const full = await slots("?fail_on_no_slot=1");
    expect(full.status).toBe(503);
    expect(full.body).toEqual({ error: { code: 503, type: "unavailable_error", message: "no slot available" } });

    await Promise.all(readers.map((r) => r.cancel())); // the clients go away: their sequences are freed
    await expect.poll(async () => (await slots("?fail_on_no_slot=1")).status, { timeout: 10_000 }).toBe(200);
    // Never what others asked: llama-server shows prompts here, Freehold does not.
    expect(JSON.stringify((await slots()).body)).not.toContain("hello");
  });

  test("saving or restoring a slot is refused in llama.cpp's error shape", async () => {
    const r = await fetch(`${s.url}/slots/0?action=save`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ filename: "x.bin" }) });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ code: 400, type: "invalid_request_error", message: expect.stringContaining("not supported") });
  });
});
