// The messages of both languages, kept in one file per area of the app (so each area's
// strings can be read and reviewed whole) and merged here under distinct top-level keys.
import adminEn from '@/locales/admin/en.json'
import adminZhCN from '@/locales/admin/zh-CN.json'
import dashboardEn from '@/locales/dashboard/en.json'
import dashboardZhCN from '@/locales/dashboard/zh-CN.json'
import coreEn from '@/locales/en.json'
import coreZhCN from '@/locales/zh-CN.json'

export const zhCN = { ...coreZhCN, ...adminZhCN, ...dashboardZhCN }
export const en = { ...coreEn, ...adminEn, ...dashboardEn }
