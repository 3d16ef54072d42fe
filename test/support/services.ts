import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { createClient, type ServiceClient } from '../../platform/clients.js';
import type { ServiceDef } from '../../platform/rpc-types.js';
import { startService, type RunningService, type ServiceSpec } from '../../platform/service.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export type StoreKind = 'postgres' | 'embedded';

export interface ServiceFixture<S extends z.ZodRawShape, D extends ServiceDef> {
  running: RunningService<S>;
  client: ServiceClient<D>;
  /** dns target of this instance, for peers' *_ADDR variables. */
  address: string;
  stop(): Promise<void>;
}

/**
 * A real service on an ephemeral port with its own fresh store (a new PostgreSQL database or
 * a new embedded data dir), and a client of it; stop() drops the database.
 */
export async function startTestService<S extends z.ZodRawShape, D extends ServiceDef>(
  spec: ServiceSpec<S>,
  definition: D,
  options: { store?: StoreKind; env?: Record<string, string> } = {},
): Promise<ServiceFixture<S, D>> {
  let db: TestDatabase | undefined;
  const storeEnv: Record<string, string> = {};
  if ((options.store ?? 'postgres') === 'postgres') {
    db = await createTestDatabase(`${spec.name}_test`);
    storeEnv.DATABASE_URL = db.url;
  } else {
    storeEnv.DATA_DIR = mkdtempSync(path.join(tmpdir(), `${spec.name}-test-`));
  }
  const running = await startService(spec, {
    PORT: '0',
    METRICS_PORT: '0', // the process's one /metrics: test/support/metrics.ts
    LOG_LEVEL: 'silent',
    ...storeEnv,
    ...options.env,
  });
  const address = `127.0.0.1:${running.port}`;
  const client = createClient(definition, {
    target: `dns:///${address}`,
    defaultDeadlineMs: 20_000,
  });
  return {
    running,
    client,
    address,
    async stop() {
      client.close();
      await running.stop();
      await db?.drop();
    },
  };
}
