// Projects (PRJ-1 … PRJ-5): the project list, a project's kanban / list / Gantt / calendar /
// members, a task with its conversation, my tasks across projects, and the templates.
import { Calendar } from '@element-plus/icons-vue'
import { defineModule } from '../types'
import zhCN from './locales/zh-CN.json' with { type: 'json' }
import en from './locales/en.json' with { type: 'json' }

export default defineModule({
  key: 'projects',
  groups: [{ key: 'projects', label: 'nav.group.projects', icon: Calendar }],
  nav: [
    { area: 'projects.projects', group: 'projects', order: 10, path: '/projects', label: 'nav.projects.projects', view: () => import('./views/ProjectsView.vue') },
    { area: 'projects.my_tasks', group: 'projects', order: 20, path: '/projects/my-tasks', label: 'nav.projects.my_tasks', view: () => import('./views/MyTasksView.vue') },
    { area: 'projects.templates', group: 'projects', order: 30, path: '/projects/templates', label: 'nav.projects.templates', view: () => import('./views/TemplatesView.vue') },
  ],
  routes: [
    { path: '/projects/:id(\\d+)', name: 'projects.detail', component: () => import('./views/ProjectView.vue'), meta: { area: 'projects.projects' } },
    { path: '/projects/tasks/:id(\\d+)', name: 'projects.task', component: () => import('./views/TaskView.vue'), meta: { area: 'projects.projects' } },
  ],
  targets: {
    project: { area: 'projects.projects', to: (r) => ({ path: `/projects/${r.id}` }) },
    // A task (a notification of an assignment or a mention) opens with its conversation.
    project_task: { area: 'projects.projects', to: (r) => ({ path: `/projects/tasks/${r.id}` }) },
  },
  messages: { 'zh-CN': zhCN, en },
})
