import { http, requestTimed, type Query } from '@/api/http'
import type { Message, Ticket, TicketDetail, TicketPage } from '@/api/types'
import { portalSession } from '@/composables/usePortalSession'
import { noteServerTime } from '@/composables/useServerClock'

export interface TicketDraft {
  type: string
  category: string
  title: string
  description: string
  priority: string
  order_id?: string
  attachment_ids: string[]
}

/** File a ticket once, however often the button is pressed or the request retried: the
 * same idempotency key returns the same ticket. */
export function fileTicket(draft: TicketDraft, idempotencyKey: string) {
  return http.post<Ticket>('/v1/tickets', draft, { 'Idempotency-Key': idempotencyKey, 'X-Portal-Session': portalSession() })
}

export async function listTickets(query: Query, signal?: AbortSignal): Promise<TicketPage> {
  const { data, sentAt, receivedAt } = await requestTimed<TicketPage>('GET', '/v1/tickets', { query, signal })
  noteServerTime(data.server_time, sentAt, receivedAt)
  return data
}

export async function readTicket(id: string): Promise<TicketDetail> {
  const { data, sentAt, receivedAt } = await requestTimed<TicketDetail>('GET', `/v1/tickets/${encodeURIComponent(id)}`)
  noteServerTime(data.server_time, sentAt, receivedAt)
  return data
}

export function postMessage(id: string, body: { body?: string; visibility?: string; attachment_ids?: string[]; canned_response_id?: string }) {
  return http.post<{ message: Message; ticket: Ticket }>(`/v1/tickets/${encodeURIComponent(id)}/messages`, body)
}

export function act(id: string, action: string, body: Record<string, unknown> = {}) {
  return http.post<Ticket>(`/v1/tickets/${encodeURIComponent(id)}/actions/${action}`, body)
}

export interface Order {
  id: string
  status: string | null
  total: number | null
  currency: string | null
  placed_at: string | null
}

export function myOrders() {
  return http.get<{ items: Order[] }>('/v1/me/orders')
}
