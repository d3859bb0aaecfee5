// The portal's opaque session id (H3): sent with every search, suggestion, vote and filing
// so the deflection report can tell a question answered from one that became a ticket.
const KEY = 'helpdesk.portal-session'

export function portalSession(): string {
  let id = sessionStorage.getItem(KEY)
  if (!id) {
    id = crypto.randomUUID()
    sessionStorage.setItem(KEY, id)
  }
  return id
}
