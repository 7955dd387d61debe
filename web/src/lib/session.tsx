/** The signed-in user, loaded once from /app/api/session; pages read it with useSession(). */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ApiError, setCsrfToken } from "./api.ts";

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: "admin" | "member";
}

interface SessionState {
  user: User | null;
  loading: boolean;
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);

  const refresh = useCallback(async () => {
    try {
      const s = await api<{ user: User; csrfToken: string }>("GET", "/session");
      setCsrfToken(s.csrfToken);
      setUser(s.user);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
      setUser(null);
    } finally {
      setLoading(false);
    }
  }, []);

  const logout = useCallback(async () => {
    await api("POST", "/logout");
    setCsrfToken("");
    setUser(null);
  }, []);

  useEffect(() => { void refresh(); }, [refresh]);
  return <SessionContext.Provider value={{ user, loading, refresh, logout }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** The signed-in user inside pages behind <RequireUser> (see App.tsx). */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error("useUser without a signed-in user");
  return user;
}
