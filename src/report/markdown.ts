/**
 * Text from outside (addresses, names, diagnostics, messages) as HTML for the job summary and the
 * pull-request comment, where GitHub renders Markdown, so that it stays inside its element.
 */

const Entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\r': '&#13;',
  '\n': '&#10;'
}

/**
 * Why this is enough: everything the step writes there is HTML blocks, each line of which starts
 * with one of our block-level tags (`<p>`, `<table>`, `<h3>`, …), and CommonMark passes an HTML
 * block through untouched until a blank line. Outside text never carries a line break (each
 * becomes `<br>`), so it cannot end the block and have its `#`, `![…](…)`, fences or pipes read
 * as Markdown; `&`, `<`, `>` and `"` are escaped so it cannot open an element, a comment or an
 * attribute. GitHub also turns `@name` into a mention in the text of HTML blocks (it pings that
 * person), so a zero-width space goes after every `@`. The `](` of a link and the `![` of an
 * image are broken too, so that no copy of the text elsewhere can become one.
 */
export function htmlText(text: string): string {
  return text
    .replace(/[&<>"]/g, c => Entities[c] ?? c)
    .replace(/\r\n|\r|\n/g, '<br>')
    .replace(/@/g, '@&#8203;')
    .replace(/\]\(/g, ']&#40;')
    .replace(/!\[/g, '&#33;[')
}

/** An attribute value in double quotes (a link's href); a line break in it would end the block too. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\r\n]/g, c => Entities[c] ?? c)
}
