import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'

import { prefetchReports } from '@/lib/firstReports'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Who may open the page: anyone, a logged-in person, staff, managers (and admins) or admins. */
    access?: 'public' | 'user' | 'staff' | 'manager' | 'admin'
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
        { path: 'dashboard', name: 'console-dashboard', component: () => import('@/views/console/dashboard/DashboardPage.vue'), meta: { access: 'manager' } },
        { path: 'sla-monitor', name: 'console-sla-monitor', component: () => import('@/views/console/dashboard/SlaMonitor.vue'), meta: { access: 'manager' } },
        {
          path: 'admin',
          component: () => import('@/views/console/admin/AdminLayout.vue'),
          meta: { access: 'manager' },
          children: [
            { path: '', redirect: { name: 'admin-sla' } },
            { path: 'sla', name: 'admin-sla', component: () => import('@/views/console/admin/SlaPolicyPage.vue'), meta: { access: 'admin' } },
            { path: 'settings', name: 'admin-settings', component: () => import('@/views/console/admin/DeskSettingsPage.vue'), meta: { access: 'admin' } },
            { path: 'agents', name: 'admin-agents', component: () => import('@/views/console/admin/AgentsPage.vue'), meta: { access: 'admin' } },
            { path: 'groups', name: 'admin-groups', component: () => import('@/views/console/admin/GroupsPage.vue'), meta: { access: 'admin' } },
            { path: 'canned', name: 'admin-canned', component: () => import('@/views/console/admin/CannedPage.vue'), meta: { access: 'manager' } },
            { path: 'articles', name: 'admin-articles', component: () => import('@/views/console/admin/ArticlesPage.vue'), meta: { access: 'manager' } },
            { path: 'solutions', name: 'admin-solutions', component: () => import('@/views/console/admin/SolutionsPage.vue'), meta: { access: 'manager' } },
            { path: 'webhooks', name: 'admin-webhooks', component: () => import('@/views/console/admin/WebhooksPage.vue'), meta: { access: 'admin' } },
            { path: 'api-keys', name: 'admin-api-keys', component: () => import('@/views/console/admin/ApiKeysPage.vue'), meta: { access: 'admin' } },
            { path: 'audit', name: 'admin-audit', component: () => import('@/views/console/admin/AuditLogPage.vue'), meta: { access: 'admin' } },
          ],
        },
      ],
    },
    { path: '/:unknown(.*)*', redirect: '/' },
  ],
})

export function loginRoute(to: RouteLocationNormalized) {
  return { name: 'login', query: { next: to.fullPath } }
}

router.beforeEach(async (to, from) => {
  const access = to.meta.access ?? 'public'
  if (access === 'public') return true
  // The dashboard's reports are asked for at once, beside the session's own read and the
  // download of its charts (the module is imported with the router: a chunk of its own
  // cost a round trip). The server checks the caller as it does for any request; the page
  // takes the answer only if it is shown, to the same question. Not when the page changes
  // its own address (a new period or filter): it asks for itself then.
  if (to.name === 'console-dashboard' && from.name !== 'console-dashboard') prefetchReports(to.query)
  const session = useSessionStore()
  const me = await session.load()
  if (me === null) return loginRoute(to)
  if (access === 'staff' && !session.isStaff) return { name: 'help-center' }
  if (access === 'manager' && !session.isManager) return session.isStaff ? { name: 'console-tickets' } : { name: 'help-center' }
  // A manager sent to an admin-only page of the admin console lands on one of theirs.
  if (access === 'admin' && !session.isAdmin && session.isManager && to.path.startsWith('/console/admin')) return { name: 'admin-canned' }
  if (access === 'admin' && !session.isAdmin) return session.isStaff ? { name: 'console-tickets' } : { name: 'help-center' }
  // The list's first page is asked for now, beside the download of the list's code.
  if (to.name === 'console-tickets') void import('@/lib/firstPage').then(({ prefetchFirstPage }) => prefetchFirstPage())
  return true
})
