// A read started before the page that needs it exists (by the router, beside the download
// of the page's code), kept for one taker: the page uses it once, and only if it asks the
// very same question while the answer is fresh; otherwise it reads itself.
const FRESH_MS = 5000

export function earlyRead<Q, T>() {
  let early: { key: string; at: number; answer: Promise<T> } | null = null

  function put(question: Q, answer: Promise<T>) {
    answer.catch(() => {}) // a failure is shown by the page's own read, which then runs
    early = { key: JSON.stringify(question), at: performance.now(), answer }
  }

  /** The answer read early, once, if it is to exactly `question` and fresh. */
  function take(question: Q): Promise<T> | null {
    const found = early
    early = null
    if (found === null || found.key !== JSON.stringify(question) || performance.now() - found.at > FRESH_MS) return null
    return found.answer
  }

  return { put, take }
}
