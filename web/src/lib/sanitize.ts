import DOMPurify from 'dompurify'

// Search highlights and snippets come as text with <mark> around the matched words; nothing
// else survives, so whatever an article's author wrote is shown, never run.
export function sanitizeHighlight(html: string): string {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [] })
}
