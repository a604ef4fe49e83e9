import { defineConfig } from 'vite';

// Built into dist/ (ignored by git); Cdp.Local copies it to its output and serves it at /. No CDN: everything the
// page loads is in dist/. `npm run dev` serves the sources with reloads and sends /api to a running Cdp.Local
// (CDP_URL, default http://127.0.0.1:7071).
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': process.env.CDP_URL ?? 'http://127.0.0.1:7071' } },
});
