// The offline API reference: RapiDoc bundled from npm, reading the server's OpenAPI document.
// Nothing is fetched from the internet: RapiDoc's web-font loading is switched off (load-fonts).
import 'rapidoc'

const lang = (() => {
  try {
    return localStorage.getItem('kontor.lang') ?? navigator.language
  } catch {
    return navigator.language
  }
})()
const zh = lang.toLowerCase().startsWith('zh')
document.documentElement.lang = zh ? 'zh-CN' : 'en'
document.title = zh ? 'Kontor API 参考' : 'Kontor API reference'

const doc = document.createElement('rapi-doc')
const attrs: Record<string, string> = {
  'spec-url': '/api/openapi.json',
  'load-fonts': 'false',
  'regular-font': "-apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', Roboto, Arial, sans-serif",
  'mono-font': "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
  'render-style': 'read',
  'show-header': 'false',
  'allow-server-selection': 'false',
  'allow-authentication': 'false',
  'allow-spec-url-load': 'false',
  'allow-spec-file-load': 'false',
  'schema-style': 'table',
  'primary-color': '#1f4e79',
  'nav-bg-color': '#f4f6f9',
  'nav-text-color': '#303133',
  'nav-hover-bg-color': '#e8eef6',
  theme: 'light',
}
for (const [k, v] of Object.entries(attrs)) doc.setAttribute(k, v)
doc.style.height = '100vh'

const back = document.createElement('a')
back.slot = 'nav-logo'
back.href = '/'
back.textContent = zh ? '← 返回 Kontor' : '← Back to Kontor'
back.style.cssText = 'display:block;padding:12px 16px;color:#1f4e79;font-weight:600;text-decoration:none'
doc.appendChild(back)

document.getElementById('api-docs')!.appendChild(doc)
