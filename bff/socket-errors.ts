/**
 * Answers written straight to the socket, for requests fastify never sees: what Node's HTTP
 * parser refuses (headers too large, garbage, a request not received in time) and CONNECT.
 * Still problem+json, with a request id (no route ran, so no trace), and one log line each,
 * as every other answer has (request-log.ts).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem, invalidRequest } from './problem.js';
import { notATarget } from './request-head.js';
import { logSocketAnswer, unansweredOn } from './request-log.js';

/**
 * fastify's `clientErrorHandler` (called with the fastify instance as `this`): a request Node's
 * parser refused, answered 400, 408 or 431 problem+json and the connection closed.
 */
export function handleClientError(this: FastifyInstance, err: Error, socket: Duplex): void {
  const code = (err as NodeJS.ErrnoException).code;
  // Nobody to answer: the client reset the connection, or it is already ended (the client
  // closed it after an answer this server wrote: a second one, and its line, were written).
  if (code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // A request routed on this connection whose body never came in full: the 408 is its answer,
    // under its own id (and not a 499 "aborted" as if its client had left), even after an
    // interim 100 Continue.
    const pending = unansweredOn(socket);
    if (pending) return writeRawProblem(socket, parserProblem(err), this.log, code, pending);
    // The request was already answered (a 401 or 415 sent before its body came, the rest of
    // which never did): a second answer would be one too many, so the connection is closed
    // without one, as Node itself does once anything was written.
    if ((socket as { bytesWritten?: number }).bytesWritten) {
      socket.destroy();
      return;
    }
  }
  writeRawProblem(socket, parserProblem(err), this.log, code);
}

/** What Node's parser error `err` is, as a problem. */
function parserProblem(err: Error): HttpProblem {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'HPE_HEADER_OVERFLOW')
    return new HttpProblem(
      431,
      'headers-too-large',
      'Request header fields too large',
      'the request line and headers are larger than this server reads',
    );
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new HttpProblem(
      408,
      'request-timeout',
      'Request timeout',
      // It was: "the HTTP request could not be read".
      'the request (its head and body) did not arrive in full in time',
    );
  // The request line as received: a target that is no path (`GET h:80`, `GET mailto:x`,
  // `GET https:/x`) was told it had a character to percent-encode.
  const target = /^[A-Z]+ (\S+)/.exec(
    (err as { rawPacket?: Buffer }).rawPacket?.toString('latin1') ?? '',
  )?.[1];
  if (code === 'HPE_INVALID_URL' && target !== undefined && !target.startsWith('/'))
    return notATarget();
  if (code === 'HPE_INVALID_URL') {
    // A URL must be ASCII (RFC 3986): raw "é" or a space in it is refused by the parser, which
    // says in which part (`reason`: "Invalid char in url query" / "… path").
    const where = /query/.test((err as { reason?: string }).reason ?? '') ? '(query)' : '(path)';
    // One title per problem type (RFC 9457 §3.1.3), as everywhere else: was "Bad request".
    return invalidRequest(
      [
        {
          field: where,
          detail:
            'has a character that must be percent-encoded (a space, a control character or non-ASCII text: é is %C3%A9)',
        },
      ],
      `the URL's ${where.slice(1, -1)} has a character that must be percent-encoded`,
    );
  }
  return new HttpProblem(
    400,
    'invalid-request',
    'Invalid request',
    'the HTTP request could not be read',
  );
}

/**
 * A problem written straight to a socket nobody else will answer on, which is then closed, with
 * `request`'s id (a request already routed) or a fresh one, and its log line (`http`, `reason`:
 * what refused it).
 */
function writeRawProblem(
  socket: Duplex,
  problem: HttpProblem,
  log: FastifyBaseLogger,
  reason: string | undefined,
  request?: FastifyRequest,
): void {
  const id = request?.id ?? randomUUID();
  const body = JSON.stringify(problem.toResponse().body);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nconnection: close\r\ncontent-type: application/problem+json\r\nx-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  if (request) return logSocketAnswer(request, problem.status, reason ?? '');
  const line = {
    request_id: id,
    status: problem.status,
    client: (socket as { remoteAddress?: string }).remoteAddress,
    reason,
  };
  log.info(line, 'http');
}

/**
 * The server's `connect` event: a CONNECT request (a tunnel, as to a proxy) is 501 problem+json.
 * Node hands CONNECT to this event, not to fastify, and with no listener closed the connection
 * without a word. The BFF is an origin server: it opens no tunnels.
 */
export const refuseConnect =
  (log: FastifyBaseLogger) =>
  (_req: IncomingMessage, socket: Duplex): void =>
    writeRawProblem(
      socket,
      new HttpProblem(501, 'not-implemented', 'Not implemented', 'this server opens no tunnels', [
        { field: '(method)', detail: 'CONNECT is not served' },
      ]),
      log,
      'CONNECT',
    );
