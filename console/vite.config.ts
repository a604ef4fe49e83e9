import { defineConfig } from 'vite';

// Built into dist/ (ignored by git); Cdp.Local copies it to its output and serves it at /. No CDN: everything the
// page loads is in dist/. `npm run dev` serves the sources with reloads and sends /api to a running Cdp.Local
// (CDP_URL, default http://127.0.0.1:7071). `npm run build:cloud` (mode 'cloud') builds dist-cloud/ for the static web
// app azd deploys: the Function App's address and Entra ID's registration from .env.cloud.local (written by azd's
// postprovision hook), and public-cloud/ (the static web app's headers) instead of public/.
export default defineConfig(({ mode }) => ({
  base: '/',
  publicDir: mode === 'cloud' ? 'public-cloud' : 'public',
  build: { outDir: mode === 'cloud' ? 'dist-cloud' : 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': process.env.CDP_URL ?? 'http://127.0.0.1:7071' } },
}));
