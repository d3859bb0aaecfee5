import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { ApiError, http } from '@/api/http'
import type { Me, SessionRead } from '@/api/types'

const STAFF = new Set(['agent', 'senior', 'tech', 'manager', 'admin'])

// Who is logged in. The access token lives in an HttpOnly cookie this code never sees;
// `me` is what the API says about the cookie's owner.
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const checked = ref(false)
  const isStaff = computed(() => me.value !== null && STAFF.has(me.value.role))
  const isManager = computed(() => me.value?.role === 'manager' || me.value?.role === 'admin')
  const isAdmin = computed(() => me.value?.role === 'admin')

  async function load(): Promise<Me | null> {
    if (checked.value) return me.value
    try {
      me.value = await http.get<Me>('/v1/me')
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error
      me.value = null
    } finally {
      checked.value = true
    }
    return me.value
  }

  async function logIn(email: string, password: string): Promise<Me> {
    const session = await http.post<SessionRead>('/v1/auth/session', { email, password })
    me.value = session.user
    checked.value = true
    return session.user
  }

  async function logOut(): Promise<void> {
    try {
      await http.delete('/v1/auth/session')
    } finally {
      forget()
    }
  }

  function forget(): void {
    me.value = null
    checked.value = true
  }

  return { me, checked, isStaff, isManager, isAdmin, load, logIn, logOut, forget }
})
