/**
 * Key secrets: `fh_<8-char id>_<40 random base62 chars>` (~238 bits). They are random, not
 * passwords, so one SHA-256 is enough at rest (no slow hash needed); comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 8;
const SECRET_LENGTH = 40;
const FORMAT = /^fh_([0-9A-Za-z]{8})_([0-9A-Za-z]{32,128})$/;

/** Uniform base62: bytes ≥ 248 are dropped so every character is equally likely. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const newKeyId = () => randomBase62(ID_LENGTH);
export const newSecret = (id: string) => `fh_${id}_${randomBase62(SECRET_LENGTH)}`;

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** The id inside a well-formed secret, else undefined. */
export function parseSecret(secret: string): { id: string } | undefined {
  const m = FORMAT.exec(secret);
  return m ? { id: m[1] } : undefined;
}

/** Constant-time check of `secret` against a stored hex hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
