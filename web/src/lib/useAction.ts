/** A user action (form submit, button): `run(fn)` tracks busy and keeps the error for <ErrorText>. */
import { useCallback, useState } from "react";

export function useAction(): { busy: boolean; error: unknown; run(fn: () => Promise<void>): Promise<void>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}
