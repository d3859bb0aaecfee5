import 'element-plus/theme-chalk/dark/css-vars.css'
import 'element-plus/es/components/message/style/css'
import './styles/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import { whenUnauthorized } from '@/api/http'
import App from '@/App.vue'
import { currentLanguage, i18n } from '@/i18n'
import { loginRoute, router } from '@/router'
import { useSessionStore } from '@/stores/session'

const app = createApp(App)
app.use(createPinia()).use(router).use(i18n)

// A 401 anywhere (an expired session) leads to the login page and back.
whenUnauthorized(() => {
  useSessionStore().forget()
  const current = router.currentRoute.value
  if (current.name !== 'login' && (current.meta.access ?? 'public') !== 'public') void router.push(loginRoute(current))
})

document.documentElement.lang = currentLanguage.value
app.mount('#app')
