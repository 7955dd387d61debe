/**
 * What the server needs of evals without loading them (their routes load on first use,
 * src/api/routeSets.ts): marking runs a previous process left "running", and closing the
 * service, if one was made, at shutdown.
 */
import type { Db } from "../store/db.ts";
import { EvalRepo } from "./repo.ts";
import type { EvalService } from "./service.ts";

/** One service per app (src/evals/service.ts's evalService), shared by /v1/evals and the web app. */
export const services = new WeakMap<object, EvalService>();

/** At server start: a run left "running" by a previous process can only be resumed. */
export function interruptStaleRuns(db: Db): Promise<number> {
  return new EvalRepo(db).interruptStale("the server stopped while this run was in progress; resume it");
}
