import { defineConfig } from 'vite';

// The Go server embeds dist/ and serves index.html for every non-API path,
// with assets under /assets/ and a strict CSP (no inline script or style).
export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  css: {
    preprocessorOptions: {
      scss: {
        loadPaths: ['node_modules'],
        quietDeps: true,
        // Sass's own compression; Vite's CSS minifier is off (see build).
        style: 'compressed',
      },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Vite's CSS minifier rejects some of nhsuk-frontend's CSS.
    cssMinify: false,
    // Keep every asset a file: inline data: URIs would be fine for images
    // under the CSP, but files are cacheable and easier to audit.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    // scripts/assets.mjs writes the brotli and gzip copies and prints the
    // core's sizes; measuring gzip here too would double the work.
    reportCompressedSize: false,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8099' },
  },
});
