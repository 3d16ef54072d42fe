import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BFF_METRICS_PORT, MESH } from '../../flights/mesh.js';
import { IDENTITY_METRICS_PORT } from '../../identity/config.js';
import { METRICS_META_KEY } from '../../platform/telemetry/metrics.js';
import {
  DASHBOARD_FILE,
  dashboardQueries,
  readDashboard,
  withGrafanaVariables,
} from '../support/dashboard.js';
import { ROOT } from '../support/processes.js';
import { toolPath } from '../support/tools.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * deploy/prometheus and deploy/grafana checked against Prometheus itself (promtool of the same
 * release as the compose image) and against the compose file that mounts them.
 */
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';
const compose = parse(read('docker-compose.yml'), { merge: true }) as Json;
const services = compose.services as Record<string, Json>;
const config = parse(read(PROMETHEUS_CONFIG)) as Json;
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'prometheus-config-'));

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(toolPath('promtool'), args);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A copy of the config with a change, written next to nothing else (rule files are relative). */
function variant(change: (c: Json) => void): string {
  const copy = structuredClone(config);
  change(copy);
  const file = path.join(dir, `variant-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, stringify(copy));
  return file;
}

/** Where compose mounts a file or folder of the repository into a container. */
function mountTarget(service: string, source: string): string {
  const volume = (services[service]!.volumes as string[]).find((v) => v.split(':')[0] === source);
  expect(volume, `${service} mounts ${source}`).toBeDefined();
  return volume!.split(':')[1]!;
}

describe('deploy/prometheus/prometheus.yml', () => {
  it('passes `promtool check config` of the image’s release', async () => {
    const image = /^prom\/prometheus:v(\d+\.\d+\.\d+)$/.exec(services.prometheus!.image)?.[1];
    expect(image, 'the compose image is pinned').toBeDefined();
    const version = await promtool('--version');
    expect(version.output).toContain(`version ${image}`);
    const { ok, output } = await promtool('check', 'config', path.join(ROOT, PROMETHEUS_CONFIG));
    expect(ok, output).toBe(true);
    expect(output).toMatch(/SUCCESS/);
  });

  it('is checked by a promtool that refuses a bad regex and an unknown field', async () => {
    const badRegex = variant((c) => {
      c.scrape_configs[0].relabel_configs[0].regex = '[unclosed';
    });
    expect((await promtool('check', 'config', badRegex)).ok).toBe(false);
    const unknownField = variant((c) => {
      c.scrape_configs[0].consul_sd_configs[0].servcies = ['schedule'];
    });
    expect((await promtool('check', 'config', unknownField)).ok).toBe(false);
  });

  it('is mounted where the image reads it, and finds every process: services in Consul, the BFF by DNS', () => {
    expect(mountTarget('prometheus', `./${PROMETHEUS_CONFIG}`)).toBe(
      (services.prometheus!.command as string[])
        .find((a) => a.startsWith('--config.file='))!
        .split('=')[1],
    );
    const consulHttp = Number(/^\s*http\s*=\s*(\d+)/m.exec(read('consul/server.hcl'))![1]);
    const jobs = config.scrape_configs as Json[];
    const sd = jobs.flatMap((j) => (j.consul_sd_configs ?? []) as Json[]);
    const dns = jobs.flatMap((j) => (j.dns_sd_configs ?? []) as Json[]);
    expect(sd.map((c) => c.server)).toEqual([`consul:${consulHttp}`]);
    // The services register in Consul under their names (the compose names too)...
    expect([...(sd[0]!.services as string[])].sort()).toEqual(Object.keys(MESH).sort());
    // ...and the BFF, which does not, is every address of its compose name, at its metrics port.
    expect(dns).toEqual([
      { names: ['bff'], type: 'A', port: BFF_METRICS_PORT },
      { names: ['identity'], type: 'A', port: IDENTITY_METRICS_PORT },
    ]);
    // Together: every process with a metrics port, each a compose service.
    const scraped = [...sd[0]!.services, ...dns.flatMap((d) => d.names)] as string[];
    expect(scraped.sort()).toEqual([...Object.keys(MESH), 'bff', 'identity'].sort());
    // identity's compose environment leaves METRICS_PORT at that default.
    expect(services.identity!.environment.METRICS_PORT).toBeUndefined();
    for (const name of scraped) expect(services[name]?.build, name).toBeDefined();
    expect(services.prometheus!.depends_on.consul.condition).toBe('service_healthy');
  });

  it('scrapes each instance at its registered address and the metrics port in its meta', () => {
    const job = (config.scrape_configs as Json[]).find((j) => j.consul_sd_configs)!;
    const relabel = job.relabel_configs as Json[];
    const meta = `__meta_consul_service_metadata_${METRICS_META_KEY}`;
    const keep = relabel.find((r) => r.action === 'keep')!;
    expect(keep.source_labels).toEqual([meta]);
    expect(new RegExp(`^(?:${keep.regex})$`).test('9453')).toBe(true);
    expect(new RegExp(`^(?:${keep.regex})$`).test('0')).toBe(false);
    const address = relabel.find((r) => r.target_label === '__address__')!;
    expect(address.source_labels).toEqual(['__meta_consul_service_address', meta]);
    expect(address.separator).toBe(':');
  });
});

describe('deploy/grafana', () => {
  const datasources = (
    parse(read('deploy/grafana/provisioning/datasources/datasources.yml')) as Json
  ).datasources as Json[];
  const dashboard = readDashboard();

  it('provisions Prometheus and Jaeger at the compose services’ own ports', () => {
    const byType = Object.fromEntries(datasources.map((d) => [d.type, d]));
    expect(byType.prometheus.url).toBe('http://prometheus:9090');
    expect(services.prometheus!.ports).toContain('127.0.0.1:9090:9090');
    const jaegerUi = (services.jaeger!.ports as string[]).map((p) => p.split(':').pop());
    expect(byType.jaeger.url).toBe(`http://jaeger:${jaegerUi[0]}`);
    expect(services.grafana!.depends_on).toMatchObject({
      prometheus: { condition: 'service_healthy' },
      jaeger: { condition: 'service_healthy' },
    });
  });

  it('loads the dashboard from where compose mounts it, and opens on it', () => {
    const provider = (parse(read('deploy/grafana/provisioning/dashboards/dashboards.yml')) as Json)
      .providers[0];
    const mounted = mountTarget('grafana', './deploy/grafana/dashboards');
    expect(provider.options.path).toBe(mounted);
    expect(mountTarget('grafana', './deploy/grafana/provisioning')).toBe(
      '/etc/grafana/provisioning',
    );
    const home = services.grafana!.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH as string;
    expect(home).toBe(`${mounted}/${path.basename(DASHBOARD_FILE)}`);
    expect(existsSync(path.join(ROOT, DASHBOARD_FILE))).toBe(true);
  });

  it('queries only provisioned datasources, and links traces to Jaeger', () => {
    const uids = new Set(datasources.map((d) => d.uid));
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    for (const p of panels) {
      expect(uids.has(p.datasource!.uid), p.title).toBe(true);
      for (const t of p.targets ?? []) expect(uids.has(t.datasource!.uid), p.title).toBe(true);
    }
    const jaeger = datasources.find((d) => d.type === 'jaeger')!;
    const links = JSON.stringify((dashboard as unknown as Json).links);
    expect(decodeURIComponent(links)).toContain(`"datasource":"${jaeger.uid}"`);
  });

  it('has queries Prometheus accepts: every one passes `promtool check rules`', async () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(10);
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: queries.map((q, i) => ({
            record: `dashboard:query_${i}`,
            expr: withGrafanaVariables(q.expr),
          })),
        },
      ],
    };
    const file = path.join(dir, 'dashboard-rules.yml');
    writeFileSync(file, stringify(rules));
    const { ok, output } = await promtool('check', 'rules', file);
    expect(ok, output).toBe(true);
    // And it would notice a broken one.
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum(rate(a[1m])' }] }] }),
    );
    expect((await promtool('check', 'rules', file)).ok).toBe(false);
  });
});
