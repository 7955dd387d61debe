import { describe } from "vitest";
import { chatCases } from "./cases/chat.ts";
import { completionCases } from "./cases/completions.ts";
import { concurrencyCases } from "./cases/concurrency.ts";
import { structuredCases } from "./cases/structured.ts";
import { useServer } from "./helpers.ts";

/** Everything that generates, through the official SDK, on one real server ("tiny", "tiny-moe"). */
const ctx = useServer();

describe("chat", () => chatCases(ctx));
describe("structured output and tools", () => structuredCases(ctx));
describe("completions and embeddings", () => completionCases(ctx));
describe("concurrency", () => concurrencyCases(ctx));
