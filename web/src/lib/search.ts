import vocabulary from '@/lib/vocabulary.json'

const HAN = /[\u3400-\u9fff\uf900-\ufaff]/

/** Whether a query is worth sending while the user types: two characters of Chinese (a
 * word), three of Latin script (fewer match almost everything). */
export function searchable(text: string): boolean {
  const trimmed = text.trim()
  return HAN.test(trimmed) ? trimmed.length >= 2 : trimmed.length >= 3
}

export const TICKET_TYPES = Object.keys(vocabulary.categories_by_type) as (keyof typeof vocabulary.categories_by_type)[]

export function categoriesOf(type: string): string[] {
  return (vocabulary.categories_by_type as Record<string, string[]>)[type] ?? []
}
