/** Memory-hard password hashing with Node's scrypt: no native dependency; params travel with the hash. */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const N = 2 ** 15, R = 8, P = 1, KEYLEN = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r }; // default maxmem (32 MiB) is too small at N=2^15
  return new Promise((res, rej) => scrypt(password.normalize("NFKC"), salt, KEYLEN, opts, (e, k) => (e ? rej(e) : res(k))));
}

/** `scrypt$N$r$p$salt$hash`, base64 parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split("$");
  if (alg !== "scrypt" || !hash) return false;
  const want = Buffer.from(hash, "base64");
  const got = await derive(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Hashed once at load, so logins for unknown emails cost the same as real ones (no user enumeration by timing). */
export const DUMMY_HASH = hashPassword(randomBytes(16).toString("hex"));
