import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, ROOT, spawnProcess, type Spawned } from '../support/processes.js';
import { toolPath } from '../support/tools.js';

/**
 * consul/server.hcl checked by Consul itself: the pinned binary (the version of the compose
 * image, hashicorp/consul:1.21) validates it, then runs it as the one server of a cluster.
 */
const CONFIG = path.join(ROOT, 'consul/server.hcl');
const run = promisify(execFile);

async function validate(...files: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(toolPath('consul'), ['validate', ...files]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('consul/server.hcl', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'consul-config-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('is a valid Consul configuration', async () => {
    const { ok, output } = await validate(CONFIG);
    expect(ok, output).toBe(true);
  });

  it('stays valid with the 3-server knobs its comments document', async () => {
    const overlay = file(
      'three-servers.hcl',
      `bootstrap_expect = 3
       node_name        = "consul-1"
       retry_join       = ["consul-1", "consul-2", "consul-3"]
       autopilot { cleanup_dead_servers = true }
       performance { raft_multiplier = 1 }`,
    );
    const { ok, output } = await validate(CONFIG, overlay);
    expect(ok, output).toBe(true);
  });

  it('is checked by a validator that refuses a misspelt key and a wrong type', async () => {
    expect((await validate(CONFIG, file('typo.hcl', 'ui_confg { enabled = true }'))).ok).toBe(
      false,
    );
    expect((await validate(CONFIG, file('type.hcl', 'ports { dns = "x" }'))).ok).toBe(false);
  });

  describe('run as the compose server', () => {
    let agent: Spawned;
    const ports: Record<string, number> = {};

    beforeAll(async () => {
      // The file as compose loads it; only the ports move to free ones (this machine is
      // shared, and `npm start`'s dev agent may hold the defaults, gRPC-TLS 8503 among them)
      // and the data dir to a temporary one.
      for (const p of ['http', 'dns', 'server', 'serf_lan']) ports[p] = await freePort();
      agent = spawnProcess(toolPath('consul'), [
        'agent',
        '-config-file',
        CONFIG,
        '-data-dir',
        mkdtempSync(path.join(tmpdir(), 'consul-server-')),
        '-hcl',
        `ports { http = ${ports.http} dns = ${ports.dns} server = ${ports.server} serf_lan = ${ports.serf_lan} serf_wan = -1 grpc = -1 grpc_tls = -1 }`,
      ]);
      await agent.waitForLine((l) => l.includes('Consul agent running!'), 30_000);
    });
    afterAll(async () => {
      await agent?.stop('SIGTERM');
    });

    const api = (p: string) => fetch(`http://127.0.0.1:${ports.http}${p}`);

    it('elects itself leader, which is what the compose healthcheck waits for', async () => {
      let leader = '';
      for (let i = 0; i < 100 && !leader; i++) {
        leader = (await (await api('/v1/status/leader')).json()) as string;
        if (!leader) await new Promise((r) => setTimeout(r, 100));
      }
      expect(leader).toMatch(new RegExp(`:${ports.server}$`));
      const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
        merge: true,
      });
      const check = compose.services.consul.healthcheck.test.join(' ');
      expect(check).toContain('/v1/status/leader');
      expect(check).toContain(':8300'); // the server port the file leaves at its default
    });

    it('serves the UI and answers DNS for *.service.consul with passing instances', async () => {
      expect((await api('/ui/')).status).toBe(200);
      const put = await fetch(`http://127.0.0.1:${ports.http}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({ ID: 'search-1', Name: 'search', Address: '10.0.0.7', Port: 50053 }),
      });
      expect(put.status).toBe(200);
      const resolver = new Resolver();
      resolver.setServers([`127.0.0.1:${ports.dns}`]);
      let answer: string[] = [];
      for (let i = 0; i < 50 && !answer.length; i++) {
        answer = await resolver.resolve4('search.service.consul').catch(() => []);
        if (!answer.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer).toEqual(['10.0.0.7']);
    });
  });
});
