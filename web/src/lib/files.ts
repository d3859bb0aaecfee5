// What the desk accepts as an attachment (docs/INTAKE_API.md): checked before the upload
// so the customer is told at once; the server decides by the bytes all the same.
export const MAX_BYTES = 10 * 1024 * 1024 // ATTACHMENT_MAX_BYTES' default

const TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'application/zip',
  'application/x-zip-compressed',
  'text/plain',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
])
const EXTENSIONS = /\.(png|jpe?g|gif|webp|pdf|zip|txt|log|docx|xlsx|pptx|odt|ods|odp)$/i

export function checkFile(file: { name: string; size: number; type: string }): 'too_large' | 'bad_type' | null {
  if (file.size > MAX_BYTES) return 'too_large'
  if (TYPES.has(file.type) || (!file.type && EXTENSIONS.test(file.name))) return null
  return 'bad_type'
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
