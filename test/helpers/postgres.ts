/**
 * A throw-away PostgreSQL server for tests: initdb into a temp folder, trust auth, a random
 * loopback port, socket in the same folder. PostgreSQL refuses to run as root, so under root
 * the binaries run as the `postgres` system user (created by the Debian package).
 * Install with `.ci/install-postgres.sh`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Newest `/usr/lib/postgresql/<version>/bin` holding initdb, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], "bin");
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** Starts a server, or returns undefined when PostgreSQL is not installed. */
export async function startPostgres(): Promise<TestPostgres | undefined> {
  const bin = postgresBinDir();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "freehold-pg-"));
  const asRoot = process.getuid?.() === 0;
  // setpriv execs in place (unlike runuser), so the pid we hold is the postmaster itself.
  const cmd = (file: string, args: string[]): [string, string[]] =>
    asRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", file, ...args]] : [file, args];
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  try {
    execFileSync(...cmd(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]), {
      stdio: "pipe",
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
  }

  const port = await freePort();
  // Durability is irrelevant for a throw-away server; these settings make it start and write fast.
  const settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=16MB", "max_connections=50"];
  const args = ["-D", data, "-p", String(port), "-k", dir, "-h", "127.0.0.1", ...settings.flatMap((s) => ["-c", s])];
  const child: ChildProcess = spawn(...cmd(join(bin, "postgres"), args), { stdio: ["ignore", "ignore", "pipe"] });
  const killOnExit = () => {
    child.kill("SIGKILL"); // children notice the postmaster's death and exit on their own
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", killOnExit);

  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start in 15 s:\n${log}`)), 15_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}:\n${log}`));
    });
  }).catch((err) => {
    process.off("exit", killOnExit);
    killOnExit();
    throw err;
  });
  child.stderr!.resume(); // keep draining so a chatty server never blocks on a full pipe

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT"); // "fast" shutdown: disconnect clients, no waiting
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
