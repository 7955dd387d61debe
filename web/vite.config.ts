import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The server serves web/dist at / (src/api/routes/web.ts); `npm run dev:web` proxies the API to it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/app/api": "http://127.0.0.1:11435", "/v1": "http://127.0.0.1:11435" } },
});
