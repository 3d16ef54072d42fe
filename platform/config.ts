import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { listenHost } from './listen.js';

/** Thrown at start-up when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65535);

/**
 * Consul's own variable: "host:port" or "http(s)://host:port". Validated here so a typo fails
 * fast instead of turning into endless registration retries.
 */
const consulAddress = z
  .string()
  .transform((value, ctx) => {
    const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
    try {
      const url = new URL(withScheme);
      if (!url.hostname || !url.port || url.pathname !== '/' || url.search) throw new Error();
      return url.origin;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `expected host:port or http(s)://host:port, got "${value}"`,
      });
      return z.NEVER;
    }
  })
  .optional();

const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 500ms, 2s or 1m');

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
  .optional();

/** Variables every process of a mesh reads (ARCHITECTURE.md lists the conventions). */
export function commonEnv(defaultPort: number, defaultMetricsPort = 0) {
  return {
    PORT: port.default(defaultPort),
    /** Where GET /metrics (Prometheus) is served, on its own port; 0 = not served. */
    METRICS_PORT: port.default(defaultMetricsPort),
    /**
     * The address the process listens on, its API and /metrics alike: every interface by
     * default (a container); `npm start` gives 127.0.0.1, so a mesh on a laptop is not reachable
     * from the network it is on.
     */
    HOST: listenHost('0.0.0.0'),
    /**
     * Address other instances and Consul use to reach this one; "auto" = this machine's first
     * non-loopback IPv4 (what a container with replicas needs: each registers its own address).
     */
    SERVICE_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .transform((host, ctx) => {
        if (host !== 'auto') return host;
        const ip = Object.values(networkInterfaces())
          .flat()
          .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
        if (ip) return ip;
        ctx.addIssue({ code: 'custom', message: 'auto: no non-loopback IPv4 address found' });
        return z.NEVER;
      }),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    CONSUL_HTTP_ADDR: consulAddress,
    /** How often Consul runs this instance's gRPC health check. */
    CONSUL_CHECK_INTERVAL: duration.default('2s'),
    /** How long a critical instance stays listed before Consul removes it (Consul's minimum is 1m). */
    CONSUL_DEREGISTER_AFTER: duration.default('1m'),
    DATABASE_URL: postgresUrl,
    DATA_DIR: z.string().min(1).optional(),
    /**
     * Without DATABASE_URL: the Unix socket of a store process (platform/store-main.ts) whose
     * embedded store this instance shares with the service's other instances.
     */
    EMBEDDED_STORE_SOCKET: z.string().min(1).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** How long in-flight calls may finish after SIGTERM before they are cut off. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  };
}

/**
 * Parses the environment against a zod shape. Empty strings count as unset, the way a shell
 * user expects `FOO= npm start` to behave.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
