// Vite builds the browser UI into web/dist, which the server serves at / (same origin as the
// API, so no CORS and no CDN: everything the page needs is in the bundle, it works offline).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  // `npx vite web` during development: the API comes from a running `maskserve serve`.
  server: {
    proxy: Object.fromEntries(['/api', '/samples', '/detect', '/docs'].map((path) => [path, 'http://127.0.0.1:8080'])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Small app: one JS and one CSS file keep the page to three requests.
    assetsInlineLimit: 4096,
  },
});
