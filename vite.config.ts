import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

/**
 * The renderer builds into dist/renderer with relative asset URLs, so the same files load
 * from the loopback server (web mode) and from the Electron app protocol.
 *
 * `npm exec vite` (dev) can proxy the API of a running `atolye serve`:
 *   ATOLYE_DEV_SERVER=http://127.0.0.1:PORT ATOLYE_DEV_TOKEN=TOKEN npx vite
 * The proxy adds the token and drops the dev page's Origin, which the server would
 * (rightly) refuse as foreign.
 */
const target = process.env.ATOLYE_DEV_SERVER;
const token = process.env.ATOLYE_DEV_TOKEN;

function proxyTo(url: string): ProxyOptions {
  return {
    target: url,
    changeOrigin: true,
    ws: true,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    configure: (proxy) => {
      proxy.on('proxyReq', (req) => req.removeHeader('origin'));
      proxy.on('proxyReqWs', (req) => req.removeHeader('origin'));
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: target ? { proxy: { '/api': proxyTo(target), '/media': proxyTo(target) } } : {},
});
