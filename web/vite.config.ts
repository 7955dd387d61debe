import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The server serves web/dist at / (src/api/routes/web.ts); `npm run dev:web` proxies the API to it.
// The server refuses foreign browser origins (src/api/origin.ts): the dev server's own pages are
// this proxy's, so it presents them as the server's own origin.
const api = "http://127.0.0.1:11435";
const toApi = { target: api, changeOrigin: true, headers: { origin: api } };
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/app/api": toApi, "/v1": toApi } },
});
