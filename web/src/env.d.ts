/// <reference types="vite/client" />
declare module 'rapidoc'
declare module 'frappe-gantt'
