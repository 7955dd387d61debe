/** Sign-up, login, logout, the current session, and admin user management. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SESSION_TTL_MS } from "../../accounts/service.ts";
import type { App } from "../../app.ts";
import { parseBody } from "../validate.ts";
import { adminOf, COOKIE, setSessionCookie, userOf } from "./session.ts";

const email = z.string().trim().email().max(320);
const password = z.string().min(8).max(1024);
const role = z.enum(["admin", "member"]);
const SignUp = z.object({ email, password, displayName: z.string().trim().min(1).max(100), invite: z.string().optional() });
const Login = z.object({ email: z.string(), password: z.string() });
const CreateUser = SignUp.omit({ invite: true }).extend({ role: role.optional() });
const PatchUser = z.object({ role: role.optional(), disabled: z.boolean().optional(), displayName: z.string().trim().min(1).max(100).optional() });
const Invite = z.object({ role: role.optional() });
const open = { config: { appPublic: true } };

export function accountRoutes(s: FastifyInstance, app: App): void {
  s.post("/signup", open, async (req, reply) => {
    const user = await app.accounts.signup(parseBody(SignUp, req.body));
    return reply.status(201).send({ user });
  });

  s.post("/login", open, async (req, reply) => {
    const b = parseBody(Login, req.body);
    const { token, user } = await app.accounts.login(b.email, b.password, req.ip);
    setSessionCookie(req, reply, token, SESSION_TTL_MS / 1000);
    return { user };
  });

  s.post("/logout", async (req, reply) => {
    await app.accounts.logout(req.appSession!);
    reply.header("set-cookie", `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return reply.status(204).send();
  });

  s.get("/session", async (req) => ({ user: userOf(req), csrfToken: req.appSession!.csrf }));

  s.get("/users", async (req) => {
    adminOf(req);
    return { users: await app.accounts.list() };
  });

  s.post("/users", async (req, reply) => {
    adminOf(req);
    return reply.status(201).send({ user: await app.accounts.createUser(parseBody(CreateUser, req.body)) });
  });

  s.patch<{ Params: { id: string } }>("/users/:id", async (req) => ({
    user: await app.accounts.update(adminOf(req), req.params.id, parseBody(PatchUser, req.body)),
  }));

  s.post("/invites", async (req, reply) => {
    const admin = adminOf(req);
    return reply.status(201).send(await app.accounts.invite(admin, parseBody(Invite, req.body ?? {}).role));
  });
}
