/**
 * Counts for `ieopt data stats`: samples and instances, empty vs non-empty labels and
 * schema sizes, overall and per task, language, dataset, split and their combination.
 */
import type { Sample } from "./sample.ts";

export interface GroupStats {
  samples: number;
  instances: number;
  /** Samples whose labels are empty (E) ... */
  emptyLabels: number;
  /** ... and with at least one label (H). */
  nonEmptyLabels: number;
  /** Label records in total. */
  labels: number;
  schemaSize: { min: number; mean: number; max: number };
}

export interface DataStats {
  overall: GroupStats;
  byTask: Record<string, GroupStats>;
  byLang: Record<string, GroupStats>;
  byDataset: Record<string, GroupStats>;
  bySplit: Record<string, GroupStats>;
  /** Keyed `task/split/lang/dataset`, the unit sparsity caps apply to. */
  byGroup: Record<string, GroupStats>;
}

function groupStats(samples: readonly Sample[]): GroupStats {
  const sizes = samples.map((s) => s.schema.length);
  const nonEmpty = samples.filter((s) => s.labels.length > 0).length;
  return {
    samples: samples.length,
    instances: new Set(samples.map((s) => s.instance_id)).size,
    emptyLabels: samples.length - nonEmpty,
    nonEmptyLabels: nonEmpty,
    labels: samples.reduce((n, s) => n + s.labels.length, 0),
    schemaSize: {
      min: sizes.length > 0 ? Math.min(...sizes) : 0,
      mean: sizes.length > 0 ? Math.round((sizes.reduce((a, b) => a + b, 0) / sizes.length) * 100) / 100 : 0,
      max: sizes.length > 0 ? Math.max(...sizes) : 0,
    },
  };
}

function by(samples: readonly Sample[], key: (s: Sample) => string): Record<string, GroupStats> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = key(s);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(s);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, groupStats(groups.get(k)!)]));
}

export function computeStats(samples: readonly Sample[]): DataStats {
  return {
    overall: groupStats(samples),
    byTask: by(samples, (s) => s.task),
    byLang: by(samples, (s) => s.lang),
    byDataset: by(samples, (s) => s.dataset),
    bySplit: by(samples, (s) => s.split),
    byGroup: by(samples, (s) => `${s.task}/${s.split}/${s.lang}/${s.dataset}`),
  };
}

/** A plain-text table of the stats, one row per group. */
export function formatStats(stats: DataStats): string {
  const header = ["", "samples", "instances", "empty", "non-empty", "labels", "schema min/mean/max"];
  const row = (name: string, g: GroupStats): string[] => [
    name,
    String(g.samples),
    String(g.instances),
    String(g.emptyLabels),
    String(g.nonEmptyLabels),
    String(g.labels),
    `${g.schemaSize.min}/${g.schemaSize.mean}/${g.schemaSize.max}`,
  ];
  const sections: [string, Record<string, GroupStats>][] = [
    ["task", stats.byTask],
    ["language", stats.byLang],
    ["dataset", stats.byDataset],
    ["split", stats.bySplit],
    ["task/split/lang/dataset", stats.byGroup],
  ];
  const rows: string[][] = [header, row("overall", stats.overall)];
  for (const [title, groups] of sections) {
    rows.push([`by ${title}`]);
    for (const [name, g] of Object.entries(groups)) rows.push(row(`  ${name}`, g));
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? "")].length)));
  return rows
    .map((r) => (r.length === 1 ? r[0]! : r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")))
    .join("\n");
}
