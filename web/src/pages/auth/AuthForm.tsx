/** Shared frame for the sign-in and sign-up forms. */
import type { FormEvent, ReactNode } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";

export function AuthForm({ title, submit, busy, error, onSubmit, children, footer }: {
  title: string; submit: string; busy: boolean; error: unknown;
  onSubmit(form: FormData): void | Promise<void>; children: ReactNode; footer: ReactNode;
}) {
  const handle = (e: FormEvent<HTMLFormElement>) => { e.preventDefault(); onSubmit(new FormData(e.currentTarget)); };
  return (
    <div className="auth">
      <form className="card auth-card" onSubmit={handle}>
        <h1>Freehold</h1>
        <h2>{title}</h2>
        {children}
        <ErrorText error={error} />
        <button type="submit" className="primary" disabled={busy}>{submit}</button>
        <p className="muted">{footer}</p>
      </form>
    </div>
  );
}
