/**
 * Escaping literal text for Nunjucks templates (promptfoo renders every prompt string
 * with Nunjucks, so a demo containing "{{" or "{%" would otherwise be read as a template).
 * Text with any template opener is wrapped in {% raw %}…{% endraw %}; a literal
 * "{% endraw %}" inside it is emitted in pieces ({{ "{" }}% endraw %{{ "}" }}), since it
 * would otherwise end the raw block early.
 */
const OPENER = /\{[{%#]/;
const ENDRAW = /(\{%-?\s*endraw\s*-?%\})/;

export function escapeNunjucks(text: string): string {
  if (!OPENER.test(text)) return text;
  return text
    .split(ENDRAW)
    .map((piece, i) => (i % 2 === 1 ? `{{ "{" }}${piece.slice(1, -1)}{{ "}" }}` : piece === "" ? "" : `{% raw %}${piece}{% endraw %}`))
    .join("");
}
