import { http } from '@/api/http'
import type { AgentBrief } from '@/api/types'

/** The active staff with their load (the assign picker, the list's assignee filter). */
export async function listAgents(): Promise<AgentBrief[]> {
  return (await http.get<{ items: AgentBrief[] }>('/v1/agents')).items
}
