/** An error message in the standard place and style (role=alert so tests and screen readers see it). */
export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return <p className="error" role="alert">{error instanceof Error ? error.message : String(error)}</p>;
}
