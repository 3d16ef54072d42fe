/** GET /healthz (liveness) and GET /readyz (readiness: every service's gRPC health check). */
import { z } from 'zod';
import { HealthCheckResponse_ServingStatus } from '../../gen/ts/grpc/health/v1/health.js';
import type { ServiceName } from '../../flights/mesh.js';
import type { Api, RouteDeps } from './common.js';

/** How long /readyz waits for each service's health answer. */
const HEALTH_CHECK_DEADLINE_MS = 1_000;

const readiness = z.object({
  status: z.enum(['ready', 'not ready', 'draining']),
  dependencies: z.record(z.string(), z.enum(['serving', 'unavailable'])),
});

export function registerOperationRoutes(api: Api, { clients, draining }: RouteDeps): void {
  api.get('/healthz', {
    schema: {
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  api.get('/readyz', {
    schema: {
      summary: 'Readiness: every service behind the BFF answers its health check',
      tags: ['operations'],
      response: { 200: readiness, 503: readiness },
    },
    handler: async (_req, reply) => {
      const names = Object.keys(clients.health) as ServiceName[];
      const states = await Promise.all(
        names.map((name) =>
          clients.health[name]
            .check({ service: '' }, { deadlineMs: HEALTH_CHECK_DEADLINE_MS })
            .then(
              (r) => r.status === HealthCheckResponse_ServingStatus.SERVING,
              () => false,
            ),
        ),
      );
      const dependencies = Object.fromEntries(
        names.map((n, i) => [n, states[i] ? ('serving' as const) : ('unavailable' as const)]),
      );
      if (draining?.()) return reply.code(503).send({ status: 'draining', dependencies });
      const ready = states.every(Boolean);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', dependencies });
    },
  });
}
