/** The frame around every signed-in page: navigation (a top bar on phones) and the page outlet. */
import { useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";
import { useSession } from "../lib/session.tsx";
import { pageRoutes } from "../routes.ts";

export function Layout() {
  const { user, logout } = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const items = pageRoutes
    .filter((r) => r.nav && (!r.adminOnly || user?.role === "admin"))
    .sort((a, b) => a.nav!.order - b.nav!.order);
  return (
    <div className="shell">
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-label="Menu" onClick={() => setOpen(!open)}>☰</button>
        <span className="brand">Freehold</span>
        <nav className={open ? "nav open" : "nav"} aria-label="Main">
          {items.map((r) => (
            <NavLink key={r.path} to={r.nav!.to} onClick={() => setOpen(false)}>{r.nav!.label}</NavLink>
          ))}
        </nav>
        <span className="who" title={user?.email}>{user?.displayName}</span>
        <button type="button" className="link" onClick={async () => { await logout(); navigate("/login"); }}>Sign out</button>
      </header>
      <main className="content"><Outlet /></main>
    </div>
  );
}
