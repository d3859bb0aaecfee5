// The shapes of the API this app reads (docs/INTAKE_API.md, docs/KNOWLEDGE.md, docs/NOTIFY.md).
import type { Sla } from '@/lib/countdown'

export type Role = 'customer' | 'agent' | 'senior' | 'tech' | 'manager' | 'admin' | 'system'
export type TicketStatus = 'pending' | 'processing' | 'awaiting_user' | 'resolved' | 'closed'
export type Priority = 'urgent' | 'high' | 'normal' | 'low'
export type TicketType = 'technical' | 'account' | 'order' | 'product' | 'complaint'

export interface Me {
  id: string
  email: string | null
  name: string
  role: Role
  groups: string[]
  language: string
}

export interface SessionRead {
  user: Me
  expires_in: number
}

export interface PersonRef {
  id: string | null
  name: string
  email?: string | null
}

export interface Ticket {
  id: string
  number: number
  title: string
  description: string
  type: TicketType
  category: string
  priority: Priority
  status: TicketStatus
  submitter: PersonRef | null
  assignee: { id: string; name: string } | null
  group: string
  escalation_level: number
  collaborator_groups: string[]
  order_id: string | null
  attachment_ids: string[]
  created_at: string
  updated_at: string
  first_response_at: string | null
  resolved_at: string | null
  closed_at: string | null
  close_reason: string | null
  merged_into: string | null
  rating: { score: number; comment: string | null } | null
  sla: Sla
  first_response_seconds: number | null
  resolution_seconds: number | null
}

export interface TicketPage {
  items: Ticket[]
  next_cursor: string | null
  server_time: string
}

export interface Message {
  id: string
  author: { id: string | null; name: string; role: Role }
  visibility: 'public' | 'internal'
  body: string
  attachment_ids: string[]
  created_at: string
}

export interface HistoryEntry {
  at: string
  actor: { id: string | null; role: Role }
  action: string
  from_status: TicketStatus | null
  to_status: TicketStatus | null
  reason: string | null
  data: Record<string, unknown>
}

export interface TicketDetail extends Ticket {
  messages: Message[]
  attachments: Attachment[]
  history: HistoryEntry[]
  submitter_profile: Record<string, unknown> | null
  order: Record<string, unknown> | null
  staff: { identity_verified: boolean; priority_suggested: Priority | null; reopen_count: number; duplicates: string[] } | null
  server_time: string
}

export interface Hit {
  id: string
  question: string
  snippet: string
  type: TicketType
  category: string
  lang: string
  score: number
  highlighted: string | null
}

export interface SearchPage {
  hits: Hit[]
  total: number
  processing_ms: number
  facets: Record<string, Record<string, number>>
}

export interface Article {
  id: string
  question: string
  answer: string
  type: TicketType
  category: string
  lang: string
}

/** One of the staff as `GET /v1/agents` shows them to any agent. */
export interface AgentBrief {
  id: string
  name: string
  role: Role
  groups: string[]
  open_tickets: number
  capacity: number
  available: boolean
}

export interface Attachment {
  id: string
  filename: string
  content_type: string
  size: number
}

export interface InboxItem {
  id: string
  event: string
  title: string
  body: string
  ticket_id: string | null
  created_at: string
  read_at: string | null
}

export interface CannedResponse {
  id: string
  title: string
  body: Record<string, string>
}
