import { Link, Navigate, useNavigate } from "react-router";
import { api } from "../../lib/api.ts";
import { useSession } from "../../lib/session.tsx";
import { useAction } from "../../lib/useAction.ts";
import { AuthForm } from "./AuthForm.tsx";

export function Login() {
  const { user, refresh } = useSession();
  const navigate = useNavigate();
  const { busy, error, run } = useAction();
  if (user) return <Navigate to="/chat" replace />;

  const submit = (form: FormData) => run(async () => {
    await api("POST", "/login", { email: form.get("email"), password: form.get("password") });
    await refresh();
    navigate("/chat");
  });

  return (
    <AuthForm title="Sign in" submit="Sign in" busy={busy} error={error} onSubmit={submit}
      footer={<>No account? <Link to="/signup">Sign up</Link></>}>
      <label>Email <input name="email" type="email" autoComplete="username" required /></label>
      <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
    </AuthForm>
  );
}
