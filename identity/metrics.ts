/**
 * What the identity service counts about itself (platform/metrics.ts), beside what every process
 * gets: HTTP request durations by route and status (OpenTelemetry's HTTP instrumentation), and
 * process and event-loop figures. Labels come from fixed sets only: never a user name.
 */
import { metrics } from '../platform/metrics.js';

/** Sign-ins at the login page: `outcome` ok or failed (wrong user name or password). */
export const logins = metrics.counter('identity.logins', {
  description: 'Sign-ins at the login page, by outcome.',
});

/** Tokens issued at the token endpoint: `grant` is the grant type (authorization_code, …). */
export const tokensIssued = metrics.counter('identity.tokens', {
  description: 'Token endpoint grants that issued tokens, by grant type.',
});

/** The grant types this provider serves: their series exist (at 0) before the first use. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

for (const outcome of ['ok', 'failed']) logins.add(0, { outcome });
for (const grant of GRANT_TYPES) tokensIssued.add(0, { grant });
