import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig } from 'vitest/config'

// Element Plus components are imported where a template uses them (with their CSS), so a
// page loads only what it shows. The dev server proxies /v1 to the router of `make run`.
export default defineConfig({
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false })],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
  test: { environment: 'node', include: ['tests/**/*.spec.ts'] },
})
