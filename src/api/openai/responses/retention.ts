/**
 * Stored Responses answers are kept `responses.retentionDays` (config.json, default 30 as at
 * OpenAI), then deleted: at start and hourly. Prompts and answers are the data an organisation
 * least wants to keep by accident. Until the hourly purge runs, an expired answer is already
 * neither returned nor continued (ResponsesRepo.get).
 */
import type { FastifyInstance } from "fastify";
import type { App } from "../../../app.ts";
import type { FreeholdConfig } from "../../../config.ts";
import { DEFAULT_RETENTION_DAYS, ResponsesRepo } from "../../../store/repos/responses.ts";

const HOUR_MS = 3_600_000;

export function retentionDays(config: FreeholdConfig | undefined): number {
  const days = config?.responses?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (typeof days !== "number" || !(days > 0 && days <= 36_500)) {
    throw new Error(`responses.retentionDays in config.json is ${JSON.stringify(days)}: expected a number of days above 0, at most 36500`);
  }
  return days;
}

export function purgeExpiredResponses(server: FastifyInstance, app: App): void {
  const repo = new ResponsesRepo(app.db, retentionDays(app.config));
  let timer: NodeJS.Timeout | undefined;
  const purge = () => repo.purge().catch((e) => server.log.warn({ err: e }, "purging expired stored responses failed"));
  server.addHook("onReady", async () => {
    await purge();
    timer = setInterval(purge, HOUR_MS).unref();
  });
  server.addHook("onClose", async () => clearInterval(timer));
}
