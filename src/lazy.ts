/**
 * A value made on first use and shared afterwards, typically a module:
 * `const heavy = lazy(() => import("./heavy.ts"))`, then `(await heavy()).fn()`. What a process
 * never uses it never loads (bench/memory.ts). A failed attempt is retried on the next call.
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make().catch((e: unknown) => {
    made = undefined;
    throw e;
  }));
}
