// Goods (GDS-1 … GDS-4): suppliers and purchase orders (the `purchasing` areas), receiving with
// inspection (phone first), warehouses, stock per product × warehouse with its ledger, and
// transfers between warehouses (the `inventory` areas).
import { Box } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'goods',
  groups: [{ key: 'goods', label: 'nav.group.goods', icon: Box }],
  nav: [
    { area: 'purchasing.orders', group: 'goods', order: 10, path: '/purchasing/orders', label: 'nav.goods.purchase_orders', view: () => import('./views/PurchaseOrdersView.vue') },
    { area: 'purchasing.suppliers', group: 'goods', order: 20, path: '/purchasing/suppliers', label: 'nav.goods.suppliers', view: () => import('./views/SuppliersView.vue') },
    { area: 'inventory.stock', group: 'goods', order: 30, path: '/inventory/stock', label: 'nav.goods.stock', view: () => import('./views/StockView.vue') },
    { area: 'inventory.warehouses', group: 'goods', order: 40, path: '/inventory/warehouses', label: 'nav.goods.warehouses', view: () => import('./views/WarehousesView.vue') },
  ],
  routes: [
    { path: '/purchasing/suppliers/:id(\\d+)', name: 'goods.suppliers.detail', component: () => import('./views/SupplierDetailView.vue'), meta: { area: 'purchasing.suppliers' } },
    { path: '/purchasing/orders/new', name: 'goods.orders.new', component: () => import('./views/PurchaseOrderEditView.vue'), meta: { area: 'purchasing.orders' } },
    { path: '/purchasing/orders/:id(\\d+)', name: 'goods.orders.detail', component: () => import('./views/PurchaseOrderDetailView.vue'), meta: { area: 'purchasing.orders' } },
    { path: '/purchasing/orders/:id(\\d+)/edit', name: 'goods.orders.edit', component: () => import('./views/PurchaseOrderEditView.vue'), meta: { area: 'purchasing.orders' } },
    // The dock: a warehouse worker receives a purchase order on a phone.
    { path: '/purchasing/orders/:id(\\d+)/receive', name: 'goods.orders.receive', component: () => import('./views/ReceiveView.vue'), meta: { area: 'inventory.stock' } },
  ],
  targets: {
    supplier: { area: 'purchasing.suppliers', to: (r) => ({ path: `/purchasing/suppliers/${r.id}` }) },
    purchase_order: { area: 'purchasing.orders', to: (r) => ({ path: `/purchasing/orders/${r.id}` }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
