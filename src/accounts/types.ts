export type UserRole = "admin" | "member";

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  disabled: boolean;
  createdAt: Date;
}

/** The signed-in user of a request, with the session's CSRF token. */
export interface SessionUser {
  user: User;
  csrf: string;
  tokenHash: string;
}
