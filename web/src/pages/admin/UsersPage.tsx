/** Users: roles, disabling, creating accounts and invite links. */
import { useState, type FormEvent } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { useUser } from "../../lib/session.tsx";
import { useAsync } from "../../lib/useAsync.ts";
import { AdminTabs } from "./AdminTabs.tsx";
import type { AdminUser, Role } from "./types.ts";

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });

export function UsersPage() {
  const me = useUser();
  const users = useAsync(() => api<{ users: AdminUser[] }>("GET", "/users").then((r) => r.users), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();

  async function patch(u: AdminUser, change: { role?: Role; disabled?: boolean }) {
    setBusy(u.id);
    try {
      await api("PATCH", `/users/${u.id}`, change);
      setError(undefined);
      await users.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="page admin">
      <AdminTabs />
      <section className="card admin-section" aria-labelledby="admin-users-title">
        <h2 id="admin-users-title">Users</h2>
        <ErrorText error={users.error ?? error} />
        {users.data ? (
          <table className="admin-table">
            <thead><tr><th>Name</th><th>Role</th><th>Status</th><th>Joined</th><th><span className="admin-sr">Actions</span></th></tr></thead>
            <tbody>
              {users.data.map((u) => {
                const self = u.id === me.id;
                return (
                  <tr key={u.id} className={u.disabled ? "admin-disabled" : ""}>
                    <td data-label="Name">
                      <div>
                        <div className="admin-name">{u.displayName}{self ? <span className="tag">you</span> : null}</div>
                        <div className="muted admin-email">{u.email}</div>
                      </div>
                    </td>
                    <td data-label="Role">
                      <select aria-label={`Role of ${u.email}`} value={u.role} disabled={self || busy === u.id}
                        title={self ? "You cannot demote yourself" : undefined}
                        onChange={(e) => void patch(u, { role: e.target.value as Role })}>
                        <option value="member">member</option>
                        <option value="admin">admin</option>
                      </select>
                    </td>
                    <td data-label="Status">
                      <span className={u.disabled ? "tag admin-status-off" : "tag admin-status-on"}>{u.disabled ? "Disabled" : "Active"}</span>
                    </td>
                    <td data-label="Joined" className="muted">{day(u.createdAt)}</td>
                    <td className="admin-actions">
                      {self ? null : (
                        <button type="button" className={u.disabled ? "" : "danger"} disabled={busy === u.id}
                          onClick={() => void patch(u, { disabled: !u.disabled })}>
                          {u.disabled ? "Enable" : "Disable"}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : users.loading ? <p className="muted">Loading…</p> : null}
      </section>
      <div className="admin-grid">
        <CreateUser onCreated={() => void users.reload()} />
        <Invite />
      </div>
    </div>
  );
}

function CreateUser({ onCreated }: { onCreated(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState("");

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setBusy(true);
    try {
      const { user } = await api<{ user: AdminUser }>("POST", "/users", {
        displayName: f.get("displayName"), email: f.get("email"), password: f.get("password"), role: f.get("role"),
      });
      form.reset();
      setError(undefined);
      setDone(`Created ${user.email} (${user.role}). Give them their password; they can sign in now.`);
      onCreated();
    } catch (err) {
      setDone("");
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card stack admin-section" aria-labelledby="admin-create-title" onSubmit={submit}>
      <h2 id="admin-create-title">Create a user</h2>
      <label>Name <input name="displayName" required maxLength={100} autoComplete="off" /></label>
      <label>Email <input name="email" type="email" required autoComplete="off" /></label>
      <label>Password <input name="password" type="password" minLength={8} required autoComplete="new-password" /></label>
      <label>Role
        <select name="role" defaultValue="member"><option value="member">member</option><option value="admin">admin</option></select>
      </label>
      <ErrorText error={error} />
      {done ? <p role="status" className="admin-ok">{done}</p> : null}
      <div><button type="submit" className="primary" disabled={busy}>Create user</button></div>
    </form>
  );
}

function Invite() {
  const [role, setRole] = useState<Role>("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [invite, setInvite] = useState<{ link: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = useState(false);

  async function create() {
    setBusy(true);
    try {
      const r = await api<{ token: string; expiresAt: string }>("POST", "/invites", { role });
      setInvite({ link: `${window.location.origin}/signup?invite=${encodeURIComponent(r.token)}`, expiresAt: r.expiresAt });
      setCopied(false);
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack admin-section" aria-labelledby="admin-invite-title">
      <h2 id="admin-invite-title">Invite someone</h2>
      <p className="muted admin-note">An invite link works once, for seven days. Whoever opens it picks their own password.</p>
      <label>Invite role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="member">member</option><option value="admin">admin</option>
        </select>
      </label>
      <ErrorText error={error} />
      <div><button type="button" className="primary" disabled={busy} onClick={create}>Create invite</button></div>
      {invite ? (
        <div className="stack admin-invite">
          <label>Sign-up link <input readOnly value={invite.link} onFocus={(e) => e.currentTarget.select()} /></label>
          <div className="row">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(invite.link).then(() => setCopied(true))}>
              {copied ? "Copied" : "Copy link"}
            </button>
            <span className="muted">valid until {new Date(invite.expiresAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</span>
          </div>
        </div>
      ) : null}
    </section>
  );
}
