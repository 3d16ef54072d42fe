#!/usr/bin/env node
/**
 * Container health probe, run by docker compose inside the image:
 *   node scripts/healthcheck.mjs grpc 50051     grpc.health.v1.Health/Check on localhost
 *   node scripts/healthcheck.mjs http 3000      GET /healthz
 * Plain JavaScript with grpc-js alone, so a probe costs no TypeScript loader and needs no
 * downloaded probe binary. The health messages are encoded by hand: a request with an empty
 * service name is zero bytes, and SERVING is field 1 = 1, i.e. the bytes 08 01.
 */
import * as grpc from '@grpc/grpc-js';

const [kind, port] = process.argv.slice(2);
const fail = (why) => {
  process.stderr.write(`unhealthy: ${why}\n`);
  process.exit(1);
};

if (kind === 'http') {
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => (r.ok ? process.exit(0) : fail(`HTTP ${r.status}`)),
    (err) => fail(err.message),
  );
} else if (kind === 'grpc') {
  // With Consul the services serve mesh mTLS only; health is the one service they answer for a
  // caller without a mesh certificate, and the probe knows it is talking to its own container.
  const credentials = process.env.CONSUL_HTTP_ADDR
    ? grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false })
    : grpc.credentials.createInsecure();
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials);
  client.makeUnaryRequest(
    '/grpc.health.v1.Health/Check',
    () => Buffer.alloc(0),
    (bytes) => bytes,
    {},
    { deadline: Date.now() + 2000 },
    (err, response) => {
      client.close();
      if (err) return fail(err.message);
      return response.length === 2 && response[0] === 0x08 && response[1] === 0x01
        ? process.exit(0)
        : fail('NOT_SERVING');
    },
  );
} else {
  fail('usage: healthcheck.mjs grpc|http <port>');
}
