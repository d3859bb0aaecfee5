// One way to call the desk's APIs from the browser: same origin, the session cookie sent by
// the browser, the CSRF token repeated on every change, errors as {status, code}, 429s
// waited out as Retry-After says, and an outage reported to the banner instead of thrown
// at the user as a connection error.
import { ref } from 'vue'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

/** True while a service does not answer (network error or 503); the layout shows a banner. */
export const serviceDown = ref(false)

let onUnauthorized: (() => void) | null = null
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler
}

const CSRF_COOKIE = 'helpdesk_csrf'
const MAX_RETRIES_AFTER_429 = 3
const MAX_WAIT_SECONDS = 30

export function csrfToken(): string {
  const entry = document.cookie.split('; ').find((part) => part.startsWith(`${CSRF_COOKIE}=`))
  return entry ? decodeURIComponent(entry.slice(CSRF_COOKIE.length + 1)) : ''
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>

export function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export interface RequestOptions {
  query?: Query
  json?: unknown
  body?: BodyInit
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface Timed<T> {
  data: T
  sentAt: number
  receivedAt: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const payload = (await response.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    const error = payload.error ?? {}
    return new ApiError(response.status, error.code ?? `http_${response.status}`, error.message ?? response.statusText, error.details ?? {})
  } catch {
    return new ApiError(response.status, `http_${response.status}`, response.statusText)
  }
}

export async function requestTimed<T>(method: string, path: string, options: RequestOptions = {}): Promise<Timed<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  let body = options.body
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken()
  const url = withQuery(path, options.query)
  for (let attempt = 0; ; attempt++) {
    const sentAt = Date.now()
    let response: Response
    try {
      response = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: options.signal })
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error
      serviceDown.value = true
      throw new ApiError(0, 'service_unavailable', String(error))
    }
    const receivedAt = Date.now()
    if (response.status === 429 && attempt < MAX_RETRIES_AFTER_429) {
      const wait = Math.min(Number(response.headers.get('Retry-After') ?? '1') || 1, MAX_WAIT_SECONDS)
      await sleep(wait * 1000)
      continue
    }
    serviceDown.value = response.status === 503 || response.status === 502
    if (!response.ok) {
      const error = await errorOf(response)
      if (response.status === 401 && onUnauthorized) onUnauthorized()
      throw error
    }
    const data = (response.status === 204 ? undefined : await response.json()) as T
    return { data, sentAt, receivedAt }
  }
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  return (await requestTimed<T>(method, path, options)).data
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, json?: unknown, headers?: Record<string, string>) => request<T>('POST', path, { json: json ?? {}, headers }),
  put: <T>(path: string, json: unknown) => request<T>('PUT', path, { json }),
  patch: <T>(path: string, json: unknown) => request<T>('PATCH', path, { json }),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

/** Upload one file with progress (fetch reports none): XMLHttpRequest, same cookie and CSRF. */
export function upload<T>(path: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    xhr.setRequestHeader('X-CSRF-Token', csrfToken())
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => {
      let payload: { error?: { code?: string; message?: string } } | T | undefined
      try {
        payload = JSON.parse(xhr.responseText)
      } catch {
        payload = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(payload as T)
      else {
        const error = (payload as { error?: { code?: string; message?: string } } | undefined)?.error ?? {}
        reject(new ApiError(xhr.status, error.code ?? `http_${xhr.status}`, error.message ?? xhr.statusText))
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'upload_failed', 'upload failed'))
    const form = new FormData()
    form.append('file', file)
    xhr.send(form)
  })
}
