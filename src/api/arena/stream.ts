/**
 * One server-sent-event stream per battle turn. Events:
 *   {type:"battle", battle}            the battle (blind view) once it exists
 *   {type:"delta", side:"a"|"b", text} a piece of one side's answer
 *   {type:"side_done", side, stopped, failed}  once per side
 *   {type:"done", battle}              the stored turn (blind view until the vote)
 *   {type:"error", error}              after the stream started; before, errors are plain JSON
 * The client going away cancels both generations; what each side wrote so far is kept.
 */
import type { FastifyReply } from "fastify";
import type { TurnEvents } from "../../arena/battles.ts";
import type { BattleView } from "../../arena/present.ts";
import { AppSse } from "../app/sse.ts";

/** Runs a turn (`run` gets the events and the client's abort signal) as an SSE response. */
export async function streamTurn(reply: FastifyReply, run: (events: TurnEvents, signal: AbortSignal) => Promise<BattleView>): Promise<void> {
  const sse = new AppSse(reply);
  const events: TurnEvents = {
    onStart: (battle) => sse.send({ type: "battle", battle }),
    onDelta: (side, text) => sse.send({ type: "delta", side, text }),
    onSideDone: (side, a) => sse.send({ type: "side_done", side, stopped: a.stopped, failed: a.error !== undefined }),
  };
  try {
    sse.end({ type: "done", battle: await run(events, sse.abort.signal) });
  } catch (err) {
    sse.fail(err, (error) => ({ type: "error", error }));
  }
}
