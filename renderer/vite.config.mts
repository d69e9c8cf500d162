// The dashboard build (renderer/dist) and its component tests (vitest + happy-dom).
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const __dirname = dirname(fileURLToPath(import.meta.url));

export default defineConfig(({ mode }) => ({
  root: __dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: mode === 'bench' ? 'dist-bench' : 'dist',
    emptyOutDir: true,
    // No inline scripts or modulepreload polyfill: the page runs under a strict CSP.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: { input: resolve(__dirname, mode === 'bench' ? 'bench.html' : 'index.html') },
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: 'happy-dom',
    globals: true,
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
  },
}));
