import { http, withQuery, type Query } from '@/api/http'

// The manager's reports (docs/STATS.md): one question (period, time zone, filters) asked
// of every report; each echoes it under `period`.

export const REPORTS = ['volume', 'efficiency', 'sla', 'agents', 'problems', 'satisfaction'] as const
export type ReportName = (typeof REPORTS)[number]

export interface StatsQuery {
  from: string
  to: string
  tz: string
  type?: string
  category?: string
  priority?: string
  group?: string
  agent?: string
}

export interface PeriodEcho {
  from: string
  to: string
  tz: string
  granularity: 'hour' | 'day'
  as_of: string
  data_as_of: string | null
  filters: Record<string, string>
}

export interface Durations {
  count: number
  average_seconds: number | null
  median_seconds: number | null
}

export interface VolumeReport {
  period: PeriodEcho
  total: number
  resolved_in_period: number
  status_at_end: Record<string, number>
  open_now: Record<string, number>
  series: { bucket: string; new: number; resolved: number }[]
}

export interface EfficiencyReport {
  period: PeriodEcho
  tickets: number
  first_response: Durations
  resolution: Durations
  resolved: number
  resolution_rate: number | null
  sla_breach: Record<'response' | 'resolution', { breached: number; met: number; breach_rate: number | null }>
  reopened: number
  reopen_rate: number | null
}

export interface Attainment {
  met: number
  breached: number
  attainment: number | null
}

export interface LiveSla {
  id: string
  number: number | null
  title: string
  priority: string
  status: string
  clock: string | null
  due_at: string | null
  seconds_left: number | null
}

export interface BreachCause {
  cause: 'queue' | 'agent' | 'escalation'
  seconds: number
  share: number | null
  dominant_in: number
}

export interface SlaReport {
  period: PeriodEcho
  attainment: Record<'response' | 'resolution', Attainment>
  attainment_by_priority: ({ priority: string } & Record<'response' | 'resolution', Attainment>)[]
  at_risk_now: LiveSla[]
  breached_now: LiveSla[]
  breach_causes: Record<'response' | 'resolution', { breached: number; causes: BreachCause[] }>
}

export interface AgentRow {
  agent_id: string
  name: string
  handled: number
  resolved: number
  resolution_rate: number | null
  average_first_response_seconds: number | null
  ratings: number
  average_satisfaction: number | null
  open_now: number
}

export interface AgentsReport {
  period: PeriodEcho
  agents: AgentRow[]
}

export interface Share {
  name: string
  tickets: number
  share: number | null
}

export interface HardTicket {
  ticket_id: string
  number: number | null
  title: string
  category: string | null
  value: number
}

export interface CategoryLine {
  category: string
  tickets: number
  share: number | null
  faq_articles: number
  deflection_rate: number | null
  resolution_breach_rate: number | null
  reopen_rate: number | null
  hints: string[]
  summary: string
}

export interface ProblemsReport {
  period: PeriodEcho
  tickets: number
  by_type: Share[]
  by_category: Share[]
  top_title_terms: { term: string; tickets: number }[]
  hardest: Record<'longest_resolution' | 'most_escalations' | 'most_reopens', HardTicket[]>
  categories: CategoryLine[]
}

export interface SatisfactionReport {
  period: PeriodEcho
  surveyed: number
  rated: number
  response_rate: number | null
  average: number | null
  distribution: { score: number; count: number; share: number | null }[]
  comments: { ticket_id: string; number: number | null; score: number; comment: string; at: string }[]
}

export interface Reports {
  volume: VolumeReport
  efficiency: EfficiencyReport
  sla: SlaReport
  agents: AgentsReport
  problems: ProblemsReport
  satisfaction: SatisfactionReport
}

/** Every report for one question in one answer (`/v1/stats/dashboard`): the server reads
 * what they count once, where six requests read it six times. */
export function readReports(query: StatsQuery, signal?: AbortSignal): Promise<Reports> {
  return http.get<Reports>('/v1/stats/dashboard', query as unknown as Query, signal)
}

/** The report's table as CSV, downloaded by the browser (the session cookie goes along). */
export function exportUrl(name: ReportName, query: StatsQuery): string {
  return withQuery('/v1/stats/export', { report: name, format: 'csv', ...query } as Query)
}
