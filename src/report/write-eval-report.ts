/** Writes the four eval reports into a folder, each file atomically. */
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import type { EvalReport } from "./eval-report.ts";
import { renderCsv } from "./csv.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderHtml } from "./html.ts";

export interface ReportFiles {
  json: string;
  csv: string;
  markdown: string;
  html: string;
}

export function writeEvalReport(dir: string, report: EvalReport): ReportFiles {
  // Render everything first: a rendering bug must not leave a half-updated set.
  const csv = renderCsv(report);
  const md = renderMarkdown(report);
  const html = renderHtml(report);
  const files: ReportFiles = {
    json: join(dir, "report.json"),
    csv: join(dir, "scores.csv"),
    markdown: join(dir, "report.md"),
    html: join(dir, "report.html"),
  };
  writeJsonAtomic(files.json, report);
  writeFileAtomic(files.csv, csv);
  writeFileAtomic(files.markdown, md);
  writeFileAtomic(files.html, html);
  return files;
}
