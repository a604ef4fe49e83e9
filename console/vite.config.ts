import { defineConfig } from 'vite';

// Built into dist/ (ignored by git); Cdp.Local copies it to its output and serves it at /. No CDN: everything the
// page loads is in dist/.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
