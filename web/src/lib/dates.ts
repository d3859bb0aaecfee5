import dayjs from 'dayjs'

/** A moment in the browser's time zone (the user's), as the desk shows it everywhere. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '—'
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d ${hours % 24}h`
}

/** Picked calendar days [first, last] as the instants [first's start, the day after last). */
export function dayRange(days: [Date, Date] | null | undefined): [string, string] | null {
  if (!days) return null
  return [dayjs(days[0]).startOf('day').toISOString(), dayjs(days[1]).startOf('day').add(1, 'day').toISOString()]
}

/** The calendar days of such a range, for the date picker showing it. */
export function rangeDays(range: [string, string] | null): [Date, Date] | null {
  if (!range) return null
  return [new Date(range[0]), dayjs(range[1]).subtract(1, 'day').toDate()]
}
