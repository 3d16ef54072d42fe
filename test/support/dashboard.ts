import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.js';

export const DASHBOARD_FILE = 'deploy/grafana/dashboards/flight-mesh.json';

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } | string }> };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(path.join(ROOT, DASHBOARD_FILE), 'utf8')) as Dashboard;
}

/** Every panel with its PromQL queries (rows flattened). */
export function dashboardQueries(d: Dashboard): Array<{ panel: string; expr: string }> {
  const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const fromPanels = panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );
  const fromVariables = d.templating.list.map((v) => ({
    panel: `variable $${v.name}`,
    expr: /label_values\((\w+)/.exec(typeof v.query === 'string' ? v.query : v.query.query)![1]!,
  }));
  return [...fromPanels, ...fromVariables];
}

/** A query as Prometheus itself would get it from Grafana: its variables filled in. */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?\w+\}?/g, '.*');
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers left once strings, label matchers,
 * ranges and grouping clauses are taken out, that are not calls (`rate(`, `sum(`) or keywords.
 * Hand-written because no JavaScript PromQL parser is maintained; the queries' syntax itself is
 * checked by `promtool check rules` (test/deploy/prometheus.test.ts).
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    if (!NOT_METRICS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names];
}
