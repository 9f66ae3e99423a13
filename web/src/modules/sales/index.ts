// Sales (SAL-1 … SAL-3): the product catalogue, quotations with their revisions, and sales
// orders with their payment plans, receipts and profit.
import { Sell } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

const productPath = (id: number) => `/sales/products/${id}`

export default defineModule({
  key: 'sales',
  groups: [{ key: 'sales', label: 'nav.group.sales', icon: Sell }],
  nav: [
    { area: 'sales.quotations', group: 'sales', order: 10, path: '/sales/quotations', label: 'nav.sales.quotations', view: () => import('./views/QuotationsView.vue') },
    { area: 'sales.orders', group: 'sales', order: 20, path: '/sales/orders', label: 'nav.sales.orders', view: () => import('./views/OrdersView.vue') },
    { area: 'sales.board', group: 'sales', order: 25, path: '/sales/board', label: 'nav.sales.board', view: () => import('./views/OrderBoardView.vue') },
    { area: 'sales.products', group: 'sales', order: 30, path: '/sales/products', label: 'nav.sales.products', view: () => import('./views/ProductsView.vue') },
  ],
  routes: [
    { path: '/sales/products/:id(\\d+)', name: 'sales.products.detail', component: () => import('./views/ProductDetailView.vue'), meta: { area: 'sales.products' } },
    // A new quotation (?customer_id= from a customer's page), a change or a revision of one.
    { path: '/sales/quotations/new', name: 'sales.quotations.new', component: () => import('./views/QuotationEditView.vue'), meta: { area: 'sales.quotations' } },
    { path: '/sales/quotations/:id(\\d+)', name: 'sales.quotations.detail', component: () => import('./views/QuotationDetailView.vue'), meta: { area: 'sales.quotations' } },
    { path: '/sales/quotations/:id(\\d+)/edit', name: 'sales.quotations.edit', component: () => import('./views/QuotationEditView.vue'), meta: { area: 'sales.quotations' } },
    { path: '/sales/orders/:id(\\d+)', name: 'sales.orders.detail', component: () => import('./views/OrderDetailView.vue'), meta: { area: 'sales.orders' } },
  ],
  targets: {
    product: { area: 'sales.products', to: (r) => ({ path: productPath(r.id) }) },
    quotation: { area: 'sales.quotations', to: (r) => ({ path: `/sales/quotations/${r.id}` }) },
    sales_order: { area: 'sales.orders', to: (r) => ({ path: `/sales/orders/${r.id}` }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
