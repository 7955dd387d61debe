/**
 * Whether a server must demand API keys. Loopback may run open (one user on one machine);
 * anything reachable from elsewhere needs keys unless the operator explicitly opts out.
 */
import { isIP } from "node:net";
import type { FreeholdConfig } from "../config.ts";

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

export interface AuthDecision {
  required: boolean;
  /** Set when the server is reachable beyond loopback yet open: to be shown loudly. */
  warning?: string;
}

export function authDecision(host: string, server: FreeholdConfig["server"] = {}): AuthDecision {
  if (server.requireAuth) return { required: true };
  if (isLoopback(host)) return { required: false };
  if (server.insecureNoAuth === true) {
    return {
      required: false,
      warning: `WARNING: listening on ${host} WITHOUT authentication (server.insecureNoAuth is true): ` +
        "anyone who can reach this port can use and delete your models",
    };
  }
  return { required: true };
}
