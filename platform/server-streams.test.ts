import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from './clients.js';
import { createLogger } from './logger.js';
import { bind, ServiceServer, type Handlers } from './server.js';

type Schedule = typeof ScheduleServiceService;

/**
 * The server's max connection age makes clients reconnect now and then; a long stream under way
 * (a feed) must outlive it. With a grace of 30 s every feed stream was cut each 5.5 min, and
 * search and pricing logged "feed dropped" on an idle mesh.
 */
describe('a long server stream and the max connection age', () => {
  const ticks = 30;
  let server: ServiceServer;
  let client: ServiceClient<Schedule>;

  beforeAll(async () => {
    const handlers: Record<string, unknown> = {};
    for (const key of Object.keys(ScheduleServiceService))
      handlers[key] = async () => Promise.reject(new Error(key));
    // A feed of `ticks` heartbeats, 100 ms apart: 3 s, six times the connection age below.
    handlers.watchSchedule = async function* (_req: unknown, ctx: { signal: AbortSignal }) {
      for (let i = 1; i <= ticks && !ctx.signal.aborted; i++) {
        await sleep(100);
        yield { cursor: String(i), event: undefined };
      }
    };
    server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [bind(ScheduleServiceService, handlers as Handlers<Schedule>)],
      connectionAgeMs: 500,
    });
    client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 30_000,
    });
  });
  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
  });

  it('keeps a stream going past the connection’s age, while new calls move on', async () => {
    const cursors: string[] = [];
    const feed = (async () => {
      for await (const m of client.watchSchedule({ cursor: '' })) cursors.push(m.cursor);
    })();
    // Calls made meanwhile go over the new connections the age's GOAWAY leads to.
    await sleep(1_200);
    const second: string[] = [];
    for await (const m of client.watchSchedule({ cursor: '' })) {
      second.push(m.cursor);
      if (second.length === 3) break;
    }
    await feed;
    expect(cursors).toEqual(Array.from({ length: ticks }, (_, i) => String(i + 1)));
    expect(second).toEqual(['1', '2', '3']);
  });
});
