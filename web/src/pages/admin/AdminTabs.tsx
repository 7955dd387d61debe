/** The admin area's heading and section tabs. */
import { NavLink } from "react-router";
import "./admin.css";

export function AdminTabs() {
  return (
    <div className="admin-head">
      <h1>Admin</h1>
      <nav className="admin-tabs" aria-label="Admin sections">
        <NavLink to="/admin" end>Users</NavLink>
        <NavLink to="/admin/feedback">Feedback</NavLink>
      </nav>
    </div>
  );
}
