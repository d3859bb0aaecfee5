// The administration APIs the admin console uses (docs/INTAKE_API.md Administration,
// docs/KNOWLEDGE.md articles and solutions, docs/NOTIFY.md webhooks).
import { http, type Query } from '@/api/http'
import type { Priority, Role, TicketType } from '@/api/types'

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

const id = encodeURIComponent

// --- SLA policy and desk settings -------------------------------------------------------

export interface SlaTarget {
  response_seconds: number
  resolution_seconds: number
}

export interface SlaPolicy {
  warning_share: number
  policies: Record<Priority, SlaTarget>
}

export type AssignmentStrategy = 'round_robin' | 'least_loaded' | 'skills' | 'smart'

export interface DeskSettings {
  awaiting_user_reminder_seconds: number[]
  awaiting_user_autoclose_seconds: number
  resolved_autoclose_seconds: number
  duplicate_window_seconds: number
  repeat_escalation: { count: number; window_seconds: number }
  assignment: Record<TicketType, AssignmentStrategy>
  assignment_retry_seconds: number
  auto_answer: { enabled: boolean; min_score: number; max_articles: number }
}

export const readSlaPolicy = () => http.get<SlaPolicy>('/v1/admin/sla-policies')
export const updateSlaPolicy = (change: Partial<SlaPolicy>) => http.put<SlaPolicy>('/v1/admin/sla-policies', change)
export const readDeskSettings = () => http.get<DeskSettings>('/v1/admin/settings')
export const updateDeskSettings = (change: Partial<DeskSettings>) => http.put<DeskSettings>('/v1/admin/settings', change)

// --- Staff accounts and groups ----------------------------------------------------------

export type StaffRole = Exclude<Role, 'customer' | 'system'>
export const STAFF_ROLES: StaffRole[] = ['agent', 'senior', 'tech', 'manager', 'admin']

export interface Agent {
  id: string
  email: string
  name: string
  role: StaffRole
  groups: string[]
  skills: string[]
  capacity: number
  available: boolean
  language: string
  active: boolean
  open_tickets: number
  created_at: string | null
  updated_at: string | null
}

export interface AgentCreate {
  email: string
  name: string
  role: StaffRole
  groups: string[]
  skills: string[]
  capacity: number
  available: boolean
  language: string
  password: string
}

export type AgentChange = Partial<Omit<AgentCreate, 'email'>> & { active?: boolean }

export const listStaff = (query: Query) => http.get<Page<Agent>>('/v1/admin/agents', query)
export const createAgent = (body: AgentCreate) => http.post<Agent>('/v1/admin/agents', body)
export const updateAgent = (agentId: string, change: AgentChange) => http.patch<Agent>(`/v1/admin/agents/${id(agentId)}`, change)
export const deactivateAgent = (agentId: string) => http.delete<Agent>(`/v1/admin/agents/${id(agentId)}`)

/** Every staff account matching `query`, page after page (the admin lists are small). */
export async function allStaff(query: Query = {}): Promise<Agent[]> {
  const found: Agent[] = []
  let cursor: string | null = null
  do {
    const page: Page<Agent> = await listStaff({ ...query, cursor, limit: 100 })
    found.push(...page.items)
    cursor = page.next_cursor
  } while (cursor)
  return found
}

export interface Group {
  id: string
  name: Record<string, string>
  escalation_level: number
  description: string | null
  manager_id: string | null
  standard: boolean
}

export interface GroupCreate {
  id: string
  name: Record<string, string>
  escalation_level: number
  description?: string | null
  manager_id?: string | null
}

export const listGroups = async () => (await http.get<Page<Group>>('/v1/admin/groups')).items
export const createGroup = (body: GroupCreate) => http.post<Group>('/v1/admin/groups', body)
export const updateGroup = (groupId: string, change: Partial<GroupCreate>) => http.patch<Group>(`/v1/admin/groups/${id(groupId)}`, change)
export const deleteGroup = (groupId: string) => http.delete<void>(`/v1/admin/groups/${id(groupId)}`)

// --- Canned responses -------------------------------------------------------------------

export interface Canned {
  id: string
  title: string
  body: Record<string, string>
  group: string | null
  tags: string[]
  created_by: string
  updated_at: string
}

export interface CannedBody {
  title: string
  body: Record<string, string>
  group: string | null
  tags: string[]
}

export const listCanned = (query: Query) => http.get<Page<Canned>>('/v1/canned-responses', query)
export const createCanned = (body: CannedBody) => http.post<Canned>('/v1/canned-responses', body)
export const updateCanned = (cannedId: string, body: Partial<CannedBody>) => http.patch<Canned>(`/v1/canned-responses/${id(cannedId)}`, body)
export const deleteCanned = (cannedId: string) => http.delete<void>(`/v1/canned-responses/${id(cannedId)}`)
export const previewCanned = (cannedId: string, query: Query) =>
  http.get<{ language: string; body: string }>(`/v1/canned-responses/${id(cannedId)}/preview`, query)

// --- FAQ articles and solutions ---------------------------------------------------------

export type ArticleStatus = 'draft' | 'published' | 'archived'

export interface AdminArticle {
  id: string
  question: string
  answer: string
  type: TicketType
  category: string
  lang: string
  tags: string[]
  status: ArticleStatus
  views: number
  helpful: number
  not_helpful: number
  updated_at: string | null
  /** False until the change reached the search index. */
  indexed: boolean
}

export type ArticleBody = Pick<AdminArticle, 'question' | 'answer' | 'type' | 'category' | 'lang' | 'tags' | 'status'>

export const listArticles = (query: Query) => http.get<Page<AdminArticle>>('/v1/articles', query)
export const readAdminArticle = (articleId: string) => http.get<AdminArticle>(`/v1/articles/${id(articleId)}`)
export const createArticle = (body: ArticleBody) => http.post<AdminArticle>('/v1/articles', body)
export const updateArticle = (articleId: string, body: Partial<ArticleBody>) => http.put<AdminArticle>(`/v1/articles/${id(articleId)}`, body)
export const deleteArticle = (articleId: string) => http.delete<void>(`/v1/articles/${id(articleId)}`)

export interface SolutionBody {
  ticket_id: string
  ticket_number: number | null
  problem: string
  cause: string | null
  fix: string
  type: TicketType
  category: string
  lang: string
  tags: string[]
}

export interface Solution extends SolutionBody {
  id: string
  created_by: string
  created_at: string
  indexed: boolean
}

export const listSolutions = (query: Query) => http.get<Page<Solution>>('/v1/solutions', query)
export const readSolution = (solutionId: string) => http.get<Solution>(`/v1/solutions/${id(solutionId)}`)
export const createSolution = (body: SolutionBody) => http.post<Solution>('/v1/solutions', body)

// --- Webhooks and API keys --------------------------------------------------------------

export interface Webhook {
  id: string
  url: string
  events: string[]
  active: boolean
  description: string | null
  created_at: string
}

export type WebhookCreated = Webhook & { secret: string }

export interface WebhookBody {
  url: string
  events: string[]
  active: boolean
  description: string | null
}

export interface Delivery {
  id: string
  event: string
  ticket_id: string | null
  status: string
  attempts: number
  last_error: string | null
  created_at: string
  last_attempt_at: string | null
  sent_at: string | null
  next_attempt_at: string | null
  response_status: number | null
}

export const WEBHOOK_EVENTS = [
  'received',
  'assigned',
  'replied',
  'internal_note',
  'status_changed',
  'reminder',
  'sla_warning',
  'sla_breach',
  'escalated',
  'resolved',
  'closed',
  'auto_closed',
] as const

export const listWebhooks = (query: Query) => http.get<Page<Webhook>>('/v1/webhooks', query)
export const createWebhook = (body: WebhookBody) => http.post<WebhookCreated>('/v1/webhooks', body)
export const updateWebhook = (webhookId: string, body: Partial<WebhookBody>) => http.patch<Webhook>(`/v1/webhooks/${id(webhookId)}`, body)
export const deleteWebhook = (webhookId: string) => http.delete<void>(`/v1/webhooks/${id(webhookId)}`)
export const rotateWebhookSecret = (webhookId: string) => http.post<WebhookCreated>(`/v1/webhooks/${id(webhookId)}/rotate-secret`)
export const listDeliveries = (webhookId: string, query: Query) => http.get<Page<Delivery>>(`/v1/webhooks/${id(webhookId)}/deliveries`, query)

export const API_KEY_SCOPES = ['tickets:file', 'tickets:read'] as const

export interface ApiKey {
  id: string
  name: string
  prefix: string
  scopes: string[]
  customer_domains: string[]
  created_at: string
  created_by: string
  expires_at: string | null
  revoked_at: string | null
  last_used_at: string | null
}

export interface ApiKeyBody {
  name: string
  scopes: string[]
  customer_domains: string[]
  expires_at: string | null
}

export const listApiKeys = (query: Query) => http.get<Page<ApiKey>>('/v1/admin/api-keys', query)
export const createApiKey = (body: ApiKeyBody) => http.post<ApiKey & { key: string }>('/v1/admin/api-keys', body)
export const revokeApiKey = (keyId: string) => http.delete<ApiKey>(`/v1/admin/api-keys/${id(keyId)}`)

// --- Audit log --------------------------------------------------------------------------

export interface AuditEntry {
  id: string
  at: string
  method: string
  path: string
  route: string | null
  status: number
  actor: { id: string; role: Role; api_key_id: string | null; name: string | null } | null
  client: string | null
  target_id: string | null
  details: Record<string, unknown>
}

export const listAuditLog = (query: Query) => http.get<Page<AuditEntry>>('/v1/admin/audit-log', query)
