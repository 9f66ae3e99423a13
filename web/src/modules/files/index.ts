// Attachments (PLT-3): no screen of their own; their panel and chips sit on other modules'
// screens (customers, timeline entries).
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'files',
  messages: { 'zh-CN': zhCN, en },
})
