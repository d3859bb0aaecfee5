import DOMPurify from 'dompurify'
import { marked } from 'marked'

// FAQ answers are Markdown written by staff; rendered, then sanitised, so no markup of an
// author's (or of anyone who got at an author's account) runs in a customer's browser.
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: true })
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input'], FORBID_ATTR: ['style'] })
}
