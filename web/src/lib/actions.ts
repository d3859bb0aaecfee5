// Which actions the ticket page offers: those the workflow would accept now (rules.py);
// the workflow's validator still has the last word and its refusal is shown.
import type { TicketDetail } from '@/api/types'

/** The desk's groups, by escalation level (their names are the `enum.group` strings). */
export const GROUPS = ['frontline', 'senior_support', 'technical_team', 'management']

export type ActionName =
  | 'claim'
  | 'assign'
  | 'request-info'
  | 'resolve'
  | 'reopen'
  | 'escalate'
  | 'add-collaborator'
  | 'set-priority'
  | 'close'
  | 'merge'
  | 'verify-identity'
  | 'record-operation'

const OPEN = ['pending', 'processing', 'awaiting_user']

export function allowedActions(ticket: TicketDetail, canAssign: boolean): ActionName[] {
  const { status } = ticket
  const open = OPEN.includes(status)
  const actions: ActionName[] = []
  if (status === 'pending' && !ticket.assignee) actions.push('claim')
  if (canAssign && status !== 'closed') actions.push('assign')
  if (status === 'processing') actions.push('request-info')
  if (status === 'processing' || status === 'awaiting_user') actions.push('resolve')
  if (status === 'resolved') actions.push('reopen')
  if (open && ticket.escalation_level < 3) actions.push('escalate')
  if (open) actions.push('add-collaborator', 'set-priority', 'merge')
  if (status !== 'closed') actions.push('close')
  if (ticket.type === 'account' && open) actions.push(ticket.staff?.identity_verified ? 'record-operation' : 'verify-identity')
  return actions
}
