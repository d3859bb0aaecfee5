import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'

import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Who may open the page: anyone, a logged-in person, or staff. */
    access?: 'public' | 'user' | 'staff'
    area?: 'portal' | 'console'
  }
}

// Every page is its own chunk: the portal's home loads none of the console.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/',
      component: () => import('@/layouts/PortalLayout.vue'),
      meta: { area: 'portal' },
      children: [
        { path: '', name: 'help-center', component: () => import('@/views/portal/HelpCenter.vue'), meta: { access: 'public' } },
        { path: 'articles/:id', name: 'article', component: () => import('@/views/portal/ArticlePage.vue'), meta: { access: 'public' } },
        { path: 'tickets/new', name: 'file-ticket', component: () => import('@/views/portal/FileTicket.vue'), meta: { access: 'user' } },
        { path: 'tickets', name: 'my-tickets', component: () => import('@/views/portal/MyTickets.vue'), meta: { access: 'user' } },
        { path: 'tickets/:id', name: 'portal-ticket', component: () => import('@/views/portal/PortalTicket.vue'), meta: { access: 'user' } },
        { path: 'login', name: 'login', component: () => import('@/views/LoginPage.vue'), meta: { access: 'public' } },
      ],
    },
    {
      path: '/console',
      component: () => import('@/layouts/ConsoleLayout.vue'),
      meta: { area: 'console' },
      children: [
        { path: '', name: 'console-tickets', component: () => import('@/views/console/TicketList.vue'), meta: { access: 'staff' } },
        { path: 'tickets/:id', name: 'console-ticket', component: () => import('@/views/console/TicketPage.vue'), meta: { access: 'staff' } },
      ],
    },
    { path: '/:unknown(.*)*', redirect: '/' },
  ],
})

export function loginRoute(to: RouteLocationNormalized) {
  return { name: 'login', query: { next: to.fullPath } }
}

router.beforeEach(async (to) => {
  const access = to.meta.access ?? 'public'
  if (access === 'public') return true
  const session = useSessionStore()
  const me = await session.load()
  if (me === null) return loginRoute(to)
  if (access === 'staff' && !session.isStaff) return { name: 'help-center' }
  // The list's first page is asked for now, beside the download of the list's code.
  if (to.name === 'console-tickets') void import('@/lib/firstPage').then(({ prefetchFirstPage }) => prefetchFirstPage())
  return true
})
