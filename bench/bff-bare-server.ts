/**
 * The baseline of `npm run bench:bff`: a bare fastify server answering the same paths with the
 * same JSON objects the BFF returned (read from RESPONSES_FILE), and nothing else — no
 * validation, no auth, no gRPC, no logging, no tracing.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const responses = JSON.parse(readFileSync(process.env.RESPONSES_FILE!, 'utf8')) as Record<
  string,
  unknown
>;
const app = Fastify({ logger: false });
for (const [url, body] of Object.entries(responses)) {
  const path = url.split('?')[0]!;
  app.get(path, async () => body);
}
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write('bare server listening\n');
