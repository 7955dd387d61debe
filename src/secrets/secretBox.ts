import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FreeholdError } from "../errors.ts";

/**
 * Secrets at rest (upstream API keys): AES-256-GCM under a 32-byte key kept in
 * `<home>/secret.key`, outside the database, so a copied or shared database (PostgreSQL mode)
 * holds nothing usable without the key file. The file is created on first use, mode 0600.
 */
const VERSION = "v1";

export class SecretBox {
  private key?: Promise<Buffer>;

  constructor(private readonly home: string) {}

  get keyFile(): string { return join(this.home, "secret.key"); }

  async encrypt(plain: string): Promise<string> {
    const key = await this.getKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(":");
  }

  async decrypt(sealed: string): Promise<string> {
    const [version, iv, tag, data] = sealed.split(":");
    if (version !== VERSION || !iv || !tag || data === undefined) throw new FreeholdError("internal", "unreadable encrypted secret");
    const decipher = createDecipheriv("aes-256-gcm", await this.getKey(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new FreeholdError("internal", `cannot decrypt a stored secret: ${this.keyFile} is not the key it was encrypted with`);
    }
  }

  private getKey(): Promise<Buffer> {
    this.key ??= loadOrCreateKey(this.keyFile).catch((e) => { this.key = undefined; throw e; });
    return this.key;
  }
}

async function loadOrCreateKey(file: string): Promise<Buffer> {
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(dirname(file), { recursive: true });
  // Written whole under a temporary name, then linked into place: link fails if the file exists,
  // so two processes starting at once agree on one key, and nobody reads a half-written file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(tmp, randomBytes(32).toString("base64") + "\n", { mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const key = await readKey(file);
  if (!key) throw new FreeholdError("internal", `${file} does not hold a 32-byte base64 key`);
  return key;
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let text: string;
  try { text = await readFile(file, "utf8"); } catch { return undefined; }
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new FreeholdError("internal", `${file} does not hold a 32-byte base64 key`);
  return key;
}
