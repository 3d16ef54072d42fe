import { status } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from '../../platform/clients.js';
import { errorDetails, type ErrorDetails } from '../../platform/errors.js';
import { startService, type RunningService } from '../../platform/service.js';
import type { scheduleEnv } from '../../services/schedule/service.js';
import { scheduleService } from '../../services/schedule/service.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/** A fixed horizon keeps tests independent of today's date. */
export const TEST_START_DATE = '2026-12-01';

export type StoreKind = 'postgres' | 'embedded';

export interface ScheduleFixture {
  running: RunningService<typeof scheduleEnv>;
  client: ServiceClient<typeof ScheduleServiceService>;
  stop(): Promise<void>;
}

/** A real schedule service on an ephemeral port, on a fresh PostgreSQL database or embedded store. */
export async function startSchedule(
  store: StoreKind,
  env: Record<string, string> = {},
): Promise<ScheduleFixture> {
  let db: TestDatabase | undefined;
  const storeEnv: Record<string, string> = {};
  if (store === 'postgres') {
    db = await createTestDatabase('schedule_test');
    storeEnv.DATABASE_URL = db.url;
  } else {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    storeEnv.DATA_DIR = mkdtempSync(path.join(tmpdir(), 'schedule-test-'));
  }
  const running = await startService(scheduleService, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    SCHEDULE_START_DATE: TEST_START_DATE,
    SCHEDULE_DAYS: '30',
    HOLD_SWEEP_MS: '100',
    FEED_POLL_MS: '50',
    ...storeEnv,
    ...env,
  });
  const client = createClient(ScheduleServiceService, {
    target: `dns:///127.0.0.1:${running.port}`,
    defaultDeadlineMs: 20_000,
  });
  return {
    running,
    client,
    async stop() {
      client.close();
      await running.stop();
      await db?.drop();
    },
  };
}

/** Awaits a call that must fail and returns its status and google.rpc details. */
export async function failure(call: Promise<unknown>): Promise<ErrorDetails> {
  const err = await call.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded');
    },
    (e: unknown) => e,
  );
  return errorDetails(err);
}

export function expectInvalidField(details: ErrorDetails, field: string): void {
  expect(details.code).toBe(status.INVALID_ARGUMENT);
  expect(details.reason).toBe('INVALID_FIELD');
  expect(details.fieldViolations.map((v) => v.field)).toContain(field);
}
