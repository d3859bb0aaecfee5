import { categoriesOf, TICKET_TYPES } from '@/lib/search'

export { categoriesOf, TICKET_TYPES }

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
export const LANGUAGES = ['zh-CN', 'en'] as const
export const STRATEGIES = ['smart', 'skills', 'least_loaded', 'round_robin'] as const

/** Skills an agent may have: a ticket type or one of its categories (the API's `Skill`). */
export const SKILLS: string[] = TICKET_TYPES.flatMap((type) => [type, ...categoriesOf(type)])

export const MINUTE = 60
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
/** The API's upper bound on every timer (a year: more would be a typo). */
export const MAX_SECONDS = 365 * DAY

/** The label of a group in the user's language (custom groups carry their own names). */
export function groupLabel(group: { id: string; name: Record<string, string> }, language: string): string {
  return group.name[language] ?? group.name.en ?? group.id
}

/** The i18n key of a skill's label: a ticket type's or a category's. */
export function skillKey(skill: string): string {
  return (TICKET_TYPES as string[]).includes(skill) ? `enum.type.${skill}` : `enum.category.${skill}`
}
