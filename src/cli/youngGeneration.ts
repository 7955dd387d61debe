import { constants, PerformanceObserver, performance, type EventLoopUtilization } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { fullGc } from "./gc.ts";

export interface YoungGenerationOptions {
  intervalMs?: number;
  /** Share of wall time spent in scavenges from which an interval counts as GC-bound. */
  busyGcShare?: number;
  /** GC-bound intervals in a row before the young generation may grow. */
  busyIntervals?: number;
  /** Event-loop utilisation under which an interval counts as quiet. */
  quietElu?: number;
  /** Quiet intervals in a row before it is shrunk back. */
  quietIntervals?: number;
}

/**
 * V8's young generation for `freehold serve`: small while the server idles, free to grow under
 * sustained load. Returns a function that stops watching.
 *
 * bin/freehold.js starts V8 with `--semi-space-growth-factor=1`, which keeps the young
 * generation at 2 x 1 MB instead of letting it grow to 2 x 16 MB while the modules load and
 * never give the memory back (~15 MB of an idle server's resident memory, bench/memory.ts).
 * Under many small requests (a proxied upstream, bench/gateway.ts) that 1 MB is scavenged every
 * ~15 requests, and each scavenge copies what the requests in flight hold: with 64 connections
 * the server spent about a third of its CPU in the garbage collector, and one request in ten
 * waited for a scavenge.
 *
 * So: once scavenges take over `busyGcShare` of the time for `busyIntervals` intervals in a row
 * (sustained load, not one burst of module loading), the growth factor goes back to V8's default
 * and the young generation grows as V8 sees fit. After `quietIntervals` intervals with the event
 * loop nearly idle, the factor is set to 1 again and one full collection shrinks it back (V8
 * shrinks the young generation in a full GC once allocation has been slow for a few seconds).
 * The growth factor is read by V8 at run time, so nothing else changes; the timer is unref'd.
 *
 * FREEHOLD_YOUNG_GENERATION=small keeps it at 1 MB under load too (the behaviour before this;
 * bench/gateway.ts measures both).
 */
export function governYoungGeneration(opts: YoungGenerationOptions = {}): () => void {
  const { intervalMs = 1000, busyGcShare = 0.02, busyIntervals = 2, quietElu = 0.05, quietIntervals = 30 } = opts;
  if (process.env.FREEHOLD_YOUNG_GENERATION === "small") return () => {};
  let scavengeMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavengeMs += e.duration;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  let grown = false, hot = 0, quiet = 0;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const gcShare = scavengeMs / intervalMs;
    scavengeMs = 0;
    if (!grown) {
      hot = gcShare >= busyGcShare ? hot + 1 : 0;
      if (hot < busyIntervals) return;
      setFlagsFromString("--semi-space-growth-factor=2"); // V8's default
      grown = true;
      quiet = 0;
      return;
    }
    quiet = elu < quietElu ? quiet + 1 : 0;
    if (quiet < quietIntervals) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    fullGc();
    if (newSpaceBytes() <= 4 * MB) {
      grown = false;
      hot = 0;
    } else {
      quiet = quietIntervals - 10; // allocation has not been slow for long enough for V8: try again later
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}

const MB = 1024 * 1024;

const newSpaceBytes = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
