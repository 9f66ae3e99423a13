/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import { constants as zlib } from 'node:zlib'

// Element Plus is imported on demand: components used in templates and the
// ElMessage / ElMessageBox services are resolved (with their CSS) at build time.
export default defineConfig({
  plugins: [
    vue(),
    AutoImport({
      resolvers: [ElementPlusResolver()],
      dts: 'src/auto-imports.d.ts',
    }),
    Components({
      resolvers: [ElementPlusResolver()],
      dts: 'src/components.d.ts',
    }),
    // Brotli and gzip copies (`x.js.br`, `x.js.gz`) beside each text asset, made once at build
    // time at the highest levels, so the server sends them by Accept-Encoding without
    // compressing anything per request (src/api/web.rs). Files under 1 KiB stay as they are.
    compression({
      threshold: 1024,
      algorithms: [
        defineAlgorithm('gzip', { level: 9 }),
        defineAlgorithm('brotliCompress', {
          params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY },
        }),
      ],
      logLevel: 'silent',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  // `npm run dev` (and `vite preview`) pass /api/ to a running `kontor serve` (KONTOR_API to change it).
  server: {
    proxy: {
      '/api/': { target: process.env.KONTOR_API || 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        'api-docs': fileURLToPath(new URL('./api-docs.html', import.meta.url)),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
