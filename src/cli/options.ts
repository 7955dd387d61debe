import { InvalidArgumentError } from "commander";

/**
 * Option-value parsers. A bad value throws commander's InvalidArgumentError, which commander
 * reports as one line naming the option and the value ("option '--context <tokens>' argument
 * 'abc' is invalid. expected …") and exits with 1, before the command opens anything.
 */
function bounded(what: string, min: number, max: number, integer: boolean) {
  const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : "";
  return (v: string): number => {
    const n = Number(v);
    // Number("") is 0 and Number("0x10") 16: only plain decimal notation counts.
    const ok = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) && (!integer || Number.isSafeInteger(n)) && n >= min && n <= max;
    if (!ok) throw new InvalidArgumentError(`expected ${what}${range}`);
    return n;
  };
}

/** A whole number within [min, max]. */
export const integer = (min = -Infinity, max = Infinity) => bounded("a whole number", min, max, true);

/** Any finite number within [min, max]. */
export const decimal = (min = -Infinity, max = Infinity) => bounded("a number", min, max, false);
