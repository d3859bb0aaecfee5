import { describe, expect, it } from 'vitest'

import { en, zhCN } from '../src/locales/messages'

type Tree = { [key: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  )
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort()
}

function lookup(tree: Tree, path: string): string {
  return path.split('.').reduce<string | Tree>((node, key) => (node as Tree)[key] as string | Tree, tree) as string
}

describe('locales', () => {
  it('have the same keys in zh-CN and en', () => {
    expect(keys(zhCN as Tree).sort()).toEqual(keys(en as Tree).sort())
  })
  it('have no empty message', () => {
    for (const tree of [zhCN, en] as Tree[]) {
      for (const key of keys(tree)) expect(lookup(tree, key).trim(), key).not.toBe('')
    }
  })
  it('use the same placeholders in both languages', () => {
    for (const key of keys(en as Tree)) {
      expect(placeholders(lookup(zhCN as Tree, key)), key).toEqual(placeholders(lookup(en as Tree, key)))
    }
  })
})

describe('keys the source uses', async () => {
  // Every t('…') in the source exists in both languages (a missing key would show raw).
  const { readdirSync, readFileSync, statSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { fileURLToPath } = await import('node:url')
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name: string) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? files(path) : /\.(vue|ts)$/.test(name) ? [path] : []
    })
  }
  const used = new Set<string>()
  for (const file of files(fileURLToPath(new URL('../src', import.meta.url)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z_]+(?:\.[a-z_]+)+)'/g)) used.add(match[1] ?? '')
  }
  it('finds keys to check', () => {
    expect(used.size).toBeGreaterThan(20)
  })
  it.each([...used])('%s exists in both languages', (key) => {
    expect(keys(zhCN as Tree)).toContain(key)
    expect(keys(en as Tree)).toContain(key)
  })
})
