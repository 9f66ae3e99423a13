// Sales (SAL-1 …): the product catalogue first; quotations, orders and receipts join this group.
import { Sell } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

const productPath = (id: number) => `/sales/products/${id}`

export default defineModule({
  key: 'sales',
  groups: [{ key: 'sales', label: 'nav.group.sales', icon: Sell }],
  nav: [
    { area: 'sales.products', group: 'sales', order: 10, path: '/sales/products', label: 'nav.sales.products', view: () => import('./views/ProductsView.vue') },
  ],
  routes: [
    { path: '/sales/products/:id(\\d+)', name: 'sales.products.detail', component: () => import('./views/ProductDetailView.vue'), meta: { area: 'sales.products' } },
  ],
  targets: {
    product: { area: 'sales.products', to: (r) => ({ path: productPath(r.id) }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
