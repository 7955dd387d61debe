import type { Command } from "commander";
import { invalid } from "../../errors.ts";
import { isScope, type ApiKey, type Scope } from "../../auth/types.ts";
import { withAppOrServer } from "../context.ts";
import { printTable } from "./models.ts";

const number = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw invalid(`${what} must be a positive number, got '${v}'`);
  return n;
};

function scopes(v: string): Scope[] {
  const list = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!isScope(s)) throw invalid(`unknown scope '${s}': use inference, models or admin`);
  return list as Scope[];
}

const when = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace("T", " ") : "-");

/** Through the server's /v1/keys while it holds the embedded database. */
const remote = () => import("../remoteAdmin.ts");

/** keys create | list | revoke: API keys for the server (the secret is printed once, stored hashed). */
export function registerKeys(program: Command) {
  const keys = program.command("keys").description("manage API keys (required when serving beyond loopback)");

  keys.command("create").description("create a key and print its secret once")
    .requiredOption("--name <name>", "who or what uses the key")
    .option("--scopes <list>", "comma-separated: inference, models, admin", scopes, ["inference"] as Scope[])
    .option("--rate <n>", "requests per minute (per server process)", number("--rate"))
    .option("--token-quota <n>", "prompt+completion tokens per UTC day", number("--token-quota"))
    .option("--expires <days>", "expire after this many days", number("--expires"))
    .action(async (o: { name: string; scopes: Scope[]; rate?: number; tokenQuota?: number; expires?: number }, cmd: Command) => {
      const k = { name: o.name, scopes: o.scopes, ratePerMinute: o.rate, tokenQuota: o.tokenQuota, expiresInDays: o.expires };
      const { key, secret } = await withAppOrServer(cmd, (app) => app.auth.create(k), async (server) => (await remote()).remoteCreateKey(server, k));
      // The secret alone on stdout, so `KEY=$(freehold keys create ...)` works; the rest on stderr.
      console.log(secret);
      console.error(`created key ${key.id} "${key.name}" (scopes: ${key.scopes.join(",")}${key.expiresAt ? `, expires ${when(key.expiresAt)} UTC` : ""})`);
      console.error("Store the secret now: it is shown only this once. Send it as 'Authorization: Bearer <key>'.");
    });

  keys.command("list").alias("ls").description("list keys (never their secrets)")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const list = await withAppOrServer(cmd, (app) => app.auth.list(), async (server) => (await remote()).remoteKeys(server));
      if (o.json) return console.log(JSON.stringify(list, null, 2));
      if (!list.length) return console.log("no API keys yet: `freehold keys create --name <name>`");
      printTable(["ID", "NAME", "SCOPES", "RATE/MIN", "TOKENS TODAY", "CREATED", "LAST USED", "EXPIRES", "REVOKED"], list.map(row));
    });

  keys.command("revoke <id>").description("revoke a key (takes effect on a running server within seconds)")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const key = await withAppOrServer(cmd, (app) => app.auth.revoke(id), async (server) => (await remote()).remoteRevokeKey(server, id));
      console.log(`revoked ${key.id} "${key.name}"`);
    });
}

const row = (k: ApiKey) => [
  k.id, k.name, k.scopes.join(","), k.ratePerMinute == null ? "-" : String(k.ratePerMinute),
  k.tokenQuota == null ? String(k.tokensUsed) : `${k.tokensUsed}/${k.tokenQuota}`,
  when(k.createdAt), when(k.lastUsedAt), when(k.expiresAt), when(k.revokedAt),
];
