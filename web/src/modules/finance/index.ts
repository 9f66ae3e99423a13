// Money in (FIN-1 … FIN-3): receipts and their matching to orders, receivables by age, exchange
// rates and payment terms templates.
import { Money } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'finance',
  groups: [{ key: 'finance', label: 'nav.group.finance', icon: Money }],
  nav: [
    { area: 'finance.receipts', group: 'finance', order: 10, path: '/finance/receipts', label: 'nav.finance.receipts', view: () => import('./views/ReceiptsView.vue') },
    { area: 'finance.receivables', group: 'finance', order: 20, path: '/finance/receivables', label: 'nav.finance.receivables', view: () => import('./views/AgingView.vue') },
    { area: 'finance.rates', group: 'finance', order: 30, path: '/finance/rates', label: 'nav.finance.rates', view: () => import('./views/RatesView.vue') },
    // Payment terms have no area of their own: whoever opens the rates opens them.
    { area: 'finance.terms', requires: 'finance.rates', group: 'finance', order: 40, path: '/finance/terms', label: 'nav.finance.terms', view: () => import('./views/TermsView.vue') },
  ],
  routes: [
    { path: '/finance/receipts/:id(\\d+)', name: 'finance.receipts.detail', component: () => import('./views/ReceiptDetailView.vue'), meta: { area: 'finance.receipts' } },
  ],
  targets: {
    receipt: { area: 'finance.receipts', to: (r) => ({ path: `/finance/receipts/${r.id}` }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
