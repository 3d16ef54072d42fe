/**
 * Server-Sent Events framing (`text/event-stream`, WHATWG HTML "server-sent events"): named
 * events with one JSON `data:` line each, and a comment line as keep-alive.
 *
 * Written here rather than taken from an SSE plugin because the route decides the status from
 * the first gRPC message (a failure before it is an ordinary problem+json response), and only
 * then commits to a stream; the framing itself is a few lines.
 */
import type { FastifyReply } from 'fastify';

/** A comment line now and then keeps idle proxies from closing a quiet event stream. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface EventStream {
  /** Writes `event: <event>` and `data` as one JSON line (JSON.stringify emits no newline). */
  send(event: string, data: unknown): void;
  /** Stops the keep-alive and ends the response. */
  end(): void;
}

/**
 * Takes the response over from fastify (headers set so far, such as X-Request-Id, are kept) and
 * answers 200 `text/event-stream`, with a `: keep-alive` comment every `heartbeatMs` ms of the
 * stream's life.
 */
export function openEventStream(reply: FastifyReply, heartbeatMs = SSE_HEARTBEAT_MS): EventStream {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // nginx-style proxies buffer responses unless told not to.
    'x-accel-buffering': 'no',
  });
  const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), heartbeatMs);
  return {
    send: (event, data) => {
      out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: () => {
      clearInterval(heartbeat);
      out.end();
    },
  };
}
