import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import {
  createSavedView,
  deleteSavedView,
  listSavedViews,
  readListPreferences,
  saveListPreferences,
  updateSavedView,
  type ColumnSetting,
  type ListPreferences,
  type SavedView,
  type SavedViewCreate,
} from '@/api/savedViews'
import { DEFAULT_COLUMNS, moved } from '@/lib/columns'

// The saved views the user sees (own and shared, in the user's order), the one open, and
// the list's columns: the open view's, else the user's own, else the defaults. Columns
// changed on a colleague's view apply until another view is opened: the view stays theirs.
export const useListViewsStore = defineStore('listViews', () => {
  const views = ref<SavedView[]>([])
  const preferences = ref<ListPreferences>({ columns: null, view_order: [] })
  const activeId = ref<string | null>(null)
  const borrowedColumns = ref<ColumnSetting[] | null>(null)
  let loading: Promise<void> | null = null

  const active = computed(() => views.value.find((view) => view.id === activeId.value) ?? null)
  const columns = computed(() => borrowedColumns.value ?? active.value?.columns ?? preferences.value.columns ?? DEFAULT_COLUMNS)

  function load(force = false): Promise<void> {
    if (!loading || force) {
      loading = Promise.all([listSavedViews(), readListPreferences()]).then(([found, prefs]) => {
        views.value = found
        preferences.value = prefs
      })
      loading.catch(() => (loading = null))
    }
    return loading
  }

  function open(id: string | null) {
    activeId.value = id
    borrowedColumns.value = null
  }

  async function saveAs(view: SavedViewCreate): Promise<SavedView> {
    const created = await createSavedView(view)
    views.value = [...views.value, created]
    open(created.id)
    return created
  }

  async function update(id: string, changes: Partial<SavedViewCreate>): Promise<void> {
    const updated = await updateSavedView(id, changes)
    views.value = views.value.map((view) => (view.id === id ? updated : view))
  }

  async function remove(id: string): Promise<void> {
    await deleteSavedView(id)
    views.value = views.value.filter((view) => view.id !== id)
    if (activeId.value === id) open(null)
  }

  async function reorder(id: string, step: number): Promise<void> {
    const index = views.value.findIndex((view) => view.id === id)
    views.value = moved(views.value, index, step)
    preferences.value = await saveListPreferences({ ...preferences.value, view_order: views.value.map((view) => view.id) })
  }

  /** The list's columns changed: kept in the open view if it is the user's, else as the user's own. */
  async function setColumns(next: ColumnSetting[]): Promise<void> {
    const view = active.value
    if (view && view.columns && !view.mine) {
      borrowedColumns.value = next
    } else if (view && view.mine && view.columns) {
      await update(view.id, { columns: next })
    } else {
      preferences.value = await saveListPreferences({ ...preferences.value, columns: next })
    }
  }

  return { views, preferences, activeId, active, columns, load, open, saveAs, update, remove, reorder, setColumns }
})
