/** Sign-up: the first account becomes admin; later ones may need an invite (?invite=… from the link). */
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { api } from "../../lib/api.ts";
import { useSession } from "../../lib/session.tsx";
import { useAction } from "../../lib/useAction.ts";
import { AuthForm } from "./AuthForm.tsx";

export function Signup() {
  const { user, refresh } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { busy, error, run } = useAction();
  if (user) return <Navigate to="/chat" replace />;

  const submit = (form: FormData) => run(async () => {
    const email = form.get("email"), password = form.get("password");
    await api("POST", "/signup", { email, password, displayName: form.get("displayName"), invite: form.get("invite") || undefined });
    await api("POST", "/login", { email, password });
    await refresh();
    navigate("/chat");
  });

  return (
    <AuthForm title="Create an account" submit="Sign up" busy={busy} error={error} onSubmit={submit}
      footer={<>Have an account? <Link to="/login">Sign in</Link></>}>
      <label>Name <input name="displayName" required maxLength={100} /></label>
      <label>Email <input name="email" type="email" autoComplete="username" required /></label>
      <label>Password <input name="password" type="password" autoComplete="new-password" minLength={8} required /></label>
      <label>Invite code <input name="invite" defaultValue={params.get("invite") ?? ""} placeholder="if your admin gave you one" /></label>
    </AuthForm>
  );
}
