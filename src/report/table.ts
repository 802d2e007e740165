/**
 * Plain tables for the terminal and Markdown: a header row, aligned columns. The same
 * text is valid Markdown (pipes), so reports and screen output share one renderer.
 */
/**
 * One table cell as Markdown text: a `|` would split the cell, raw HTML would render (or
 * run) in a viewer, a newline would end the row. Names come from data files and models.
 */
export function markdownCell(text: string): string {
  return text.replace(/\r?\n|\r/g, " ").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");
}

export function renderTable(header: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const width = (s: string) => [...s].length;
  header = header.map(markdownCell);
  const rows = rawRows.map((r) => r.map(markdownCell));
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
