/**
 * Routes registered at start whose module is imported on the first request to any of them, so
 * an idle server does not hold the code (and zod schemas) of features nobody has used yet
 * (bench/memory.ts). Fastify needs every route before it listens, and hooks read a route's
 * options before its handler runs (`config.scope`, `config.appPublic`), so a set declares its
 * routes up front (src/api/routeSets.ts); the module's own registration function then runs
 * once, against a recorder, and each declared route calls the handler recorded for it.
 * The declaration must match what the module registers, options included: the first load
 * checks it, and so does test/api/lazyRoutes.test.ts for every set.
 */
import type { FastifyInstance, RouteHandlerMethod, RouteShorthandOptions } from "fastify";
import { lazy } from "../lazy.ts";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A route as its module registers it: url relative to the plugin's prefix, options as passed. */
export type RouteDecl = readonly [method: Method, url: string, opts?: RouteShorthandOptions];

/** A module's registration function, with whatever it needs besides the instance. */
export type RouteSet<A extends unknown[]> = (s: FastifyInstance, ...args: A) => void;

export interface LazyRouteSet<A extends unknown[]> {
  routes: readonly RouteDecl[];
  /** Imports the module(s); called on the first request to any of the routes. */
  load: () => Promise<RouteSet<A>>;
  /** Run at start on the instance the routes go to: what must exist before a request, like body parsers. */
  setup?: (s: FastifyInstance) => void;
}

export function lazyRoutes<A extends unknown[]>(s: FastifyInstance, set: LazyRouteSet<A>, ...args: A): void {
  set.setup?.(s);
  const handlers = lazy(async () => recordRoutes(set, await set.load(), args));
  for (const [method, url, opts] of set.routes) {
    const key = `${method} ${url}`;
    s.route({
      ...opts, method, url,
      async handler(req, reply) {
        return (await handlers()).get(key)!.call(this, req, reply);
      },
    });
  }
}

/** Runs `register` against a recorder; its routes must be exactly the declared ones. */
export function recordRoutes<A extends unknown[]>(set: LazyRouteSet<A>, register: RouteSet<A>, args: A): Map<string, RouteHandlerMethod> {
  const recorded = new Map<string, { opts: RouteShorthandOptions; handler: RouteHandlerMethod }>();
  const shorthand = (method: Method) => (url: string, a: RouteShorthandOptions | RouteHandlerMethod, b?: RouteHandlerMethod) =>
    void recorded.set(`${method} ${url}`, typeof a === "function" ? { opts: {}, handler: a } : { opts: a, handler: b! });
  const methods: Record<string, unknown> = {
    get: shorthand("GET"), post: shorthand("POST"), put: shorthand("PUT"), patch: shorthand("PATCH"), delete: shorthand("DELETE"),
  };
  const recorder = new Proxy(methods, {
    get(target, prop) {
      if (typeof prop !== "string") return undefined;
      if (prop in target) return target[prop];
      throw new Error(`a lazily loaded route set may only add routes, not use "${String(prop)}": do that in its declaration (src/api/routeSets.ts)`);
    },
  });
  register(recorder as unknown as FastifyInstance, ...args);

  // Options compared as JSON, a hook or other function by its name: each side must have it.
  const text = (opts: RouteShorthandOptions | undefined) => JSON.stringify(opts ?? {}, (_k, v: unknown) => (typeof v === "function" ? `[function ${v.name}]` : v));
  const declared = new Map(set.routes.map(([m, url, opts]) => [`${m} ${url}`, text(opts)]));
  const wrong = [
    ...[...declared.keys()].filter((k) => !recorded.has(k)).map((k) => `${k} is declared but not registered`),
    ...[...recorded].filter(([k, r]) => declared.get(k) !== text(r.opts))
      .map(([k, r]) => (declared.has(k) ? `${k} is registered with options ${text(r.opts)}, declared ${declared.get(k)}` : `${k} is registered but not declared`)),
  ];
  if (wrong.length) throw new Error(`lazy route set out of date (src/api/routeSets.ts): ${wrong.join("; ")}`);
  return new Map([...recorded].map(([k, r]) => [k, r.handler]));
}
