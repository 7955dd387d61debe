/** Routing: sign-in pages are public; everything else needs a session (RequireUser). */
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { Layout } from "./components/Layout.tsx";
import { Login } from "./pages/auth/Login.tsx";
import { Signup } from "./pages/auth/Signup.tsx";
import { SessionProvider, useSession } from "./lib/session.tsx";
import { pageRoutes } from "./routes.ts";
import type { ReactNode } from "react";

function RequireUser({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { user, loading } = useSession();
  if (loading) return <div className="loading">Loading…</div>;
  if (!user) return <Navigate to="/login" replace />;
  if (admin && user.role !== "admin") return <div className="page"><p>Admins only.</p></div>;
  return <>{children}</>;
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<Login />} />
          <Route path="/signup" element={<Signup />} />
          <Route element={<RequireUser><Layout /></RequireUser>}>
            <Route index element={<Navigate to="/chat" replace />} />
            {pageRoutes.map((r) => (
              <Route key={r.path} path={r.path} element={<RequireUser admin={r.adminOnly}>{r.element}</RequireUser>} />
            ))}
            <Route path="*" element={<div className="page"><p>Not found.</p></div>} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
