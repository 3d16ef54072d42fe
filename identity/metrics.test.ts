import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnEntry, type Spawned } from '../test/support/processes.js';
import { parseExposition, total, type Sample } from '../test/support/prometheus.js';
import { toolPath } from '../test/support/tools.js';
import { clientCredentials, LoginFlowError, loginWithPassword } from './client.js';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI, OPS_CLIENT_ID } from './clients.js';
import { DEMO_USERS } from './users.js';

/**
 * The identity process's /metrics, as Prometheus scrapes it: the real process (identity/main.ts,
 * with the telemetry preload), real sign-ins at its login page and real token grants.
 */
describe('identity /metrics', () => {
  let proc: Spawned;
  let issuer = '';
  let metricsUrl = '';
  let text = '';
  let samples: Sample[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'identity-metrics-'));

  beforeAll(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${port}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    proc = spawnEntry('identity/main.ts', {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    await proc.waitForLine((l) => l.includes('ready: serving'), 60_000);
    const login = (user: string, password: string) =>
      loginWithPassword({
        issuer,
        clientId: CLI_CLIENT_ID,
        redirectUri: CLI_REDIRECT_URI,
        login: user,
        password,
      });
    await login('alice', DEMO_USERS.find((u) => u.id === 'alice')!.password);
    await expect(login('alice', 'not-her-password')).rejects.toBeInstanceOf(LoginFlowError);
    const secret = readFileSync(path.join(dataDir, 'ops-client-secret'), 'utf8').trim();
    await clientCredentials({ issuer, clientId: OPS_CLIENT_ID, clientSecret: secret });
    text = await (await fetch(metricsUrl)).text();
    samples = parseExposition(text);
  }, 120_000);

  afterAll(async () => {
    await proc?.stop();
  });

  it('serves the exposition format promtool accepts, every series naming the process', () => {
    const checked = spawnSync(toolPath('promtool'), ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
    });
    expect(checked.status, `${checked.stdout}${checked.stderr}`).toBe(0);
    const names = new Set(
      samples.filter((s) => s.name !== 'target_info').map((s) => s.labels.service_name),
    );
    expect([...names]).toEqual(['identity']);
    expect(total(samples, 'process_memory_usage')).toBeGreaterThan(0);
  });

  it('counts sign-ins by outcome and tokens by grant', () => {
    expect(total(samples, 'identity_logins_total', { outcome: 'ok' })).toBe(1);
    expect(total(samples, 'identity_logins_total', { outcome: 'failed' })).toBe(1);
    expect(total(samples, 'identity_tokens_total', { grant: 'authorization_code' })).toBe(1);
    expect(total(samples, 'identity_tokens_total', { grant: 'client_credentials' })).toBe(1);
    expect(total(samples, 'identity_tokens_total', { grant: 'refresh_token' })).toBe(0);
  });

  it('times its HTTP requests by status, as the BFF does', () => {
    expect(total(samples, 'http_server_request_duration_count')).toBeGreaterThan(3);
    expect(
      total(samples, 'http_server_request_duration_count', { http_response_status_code: 401 }),
    ).toBe(1);
  });
});
