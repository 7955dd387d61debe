import { test, expect } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
test("errors carry a code", () => {
  expect(new FreeholdError("not_found", "x").code).toBe("not_found");
});
