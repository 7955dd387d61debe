import { describe } from "vitest";
import { badInputCases } from "./cases/errors.ts";
import { fuzzCases } from "./cases/fuzz.ts";
import { rateLimitCases } from "./cases/rateLimit.ts";
import { useServer } from "./helpers.ts";

/** Bad input, fuzzing and back-pressure on one server with a single sequence and no queue. */
const ctx = useServer({ models: { tiny: { shape: "tiny" } }, app: { runtime: { sequences: 1, queueLimit: 0 } } });

describe("bad input", () => badInputCases(ctx));
describe("fuzz", () => fuzzCases(ctx));
describe("back-pressure", () => rateLimitCases(ctx));
