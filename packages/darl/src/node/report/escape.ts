// Escaping for the two places run data enters the report: HTML text/attributes, and JSON inside <script>.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes a string for HTML text or a quoted attribute value (`<b>` → `&lt;b&gt;`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialises a value as JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&` and the
 * line separators U+2028/U+2029 are written as `\uXXXX` escapes, so no `</script>` or `<!--` can end or alter the
 * script element, and `JSON.parse` of the element's text returns the value unchanged. Non-finite numbers become
 * `null` (as `JSON.stringify` does).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Makes JavaScript source safe to inline in a `<script>` element (no `</script` or `<!--` sequences). */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
