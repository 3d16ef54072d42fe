import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  errorDetails,
  invalidArgument,
  relayed,
  toStatusObject,
  type ErrorVocabulary,
} from './errors.js';
import { peerFailure } from './peers.js';

/** A mesh's words, as its vocabulary module would give them. */
const vocabulary: ErrorVocabulary = {
  domain: 'example.v1',
  invalidArgument: 'BAD_FIELD',
  unspecified: 'UNSPECIFIED',
  dependencyUnavailable: 'PEER_DOWN',
};

/** What a client receives: the status object's fields on an Error, as grpc-js delivers them. */
const received = (err: unknown) => Object.assign(new Error('x'), toStatusObject(err, vocabulary));

describe('errors', () => {
  it('carries field violations and the vocabulary reason for bad input to the client', () => {
    const d = errorDetails(
      received(invalidArgument([{ field: 'items[0].seats', description: 'must be at least 1' }])),
    );
    expect(d.code).toBe(status.INVALID_ARGUMENT);
    expect(d.reason).toBe('BAD_FIELD');
    expect(d.fieldViolations).toEqual([
      { field: 'items[0].seats', description: 'must be at least 1' },
    ]);
    expect(d.message).toContain('items[0].seats');
  });

  it('carries ErrorInfo reason and metadata, and RetryInfo', () => {
    const expired = errorDetails(
      received(
        new DomainError(status.FAILED_PRECONDITION, 'EXPIRED', 'gone', {
          metadata: { quote_id: 'q1' },
        }),
      ),
    );
    expect(expired).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: 'EXPIRED',
      metadata: { quote_id: 'q1' },
    });
    const down = errorDetails(
      received(new DomainError(status.UNAVAILABLE, 'DOWN', 'peer down', { retryAfterMs: 2500 })),
    );
    expect(down).toMatchObject({ code: status.UNAVAILABLE, retryDelayMs: 2500 });
  });

  it('hides unexpected errors behind INTERNAL without leaking their text', () => {
    const st = toStatusObject(new TypeError('secret stack detail'), vocabulary);
    expect(st.code).toBe(status.INTERNAL);
    expect(st.details).not.toContain('secret');
    expect(new DomainError(status.NOT_FOUND, 'MISSING', 'm')).toBeInstanceOf(Error);
  });

  it('relays a peer that answered "no" unchanged and turns one that could not answer into UNAVAILABLE', () => {
    const no = received(
      new DomainError(status.NOT_FOUND, 'MISSING', 'no such thing', { metadata: { id: '7' } }),
    );
    expect(errorDetails(received(relayed(no)))).toEqual(errorDetails(no));
    const unreachable = { reason: 'PEER_DOWN', message: 'the peer is down; try again' };
    expect(errorDetails(received(peerFailure(no, unreachable)))).toEqual(errorDetails(no));
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL]) {
      const failed = received(new DomainError(code, 'WHATEVER', 'broken'));
      expect(errorDetails(received(peerFailure(failed, unreachable)))).toMatchObject({
        code: status.UNAVAILABLE,
        reason: 'PEER_DOWN',
        message: 'the peer is down; try again',
        retryDelayMs: 1000,
      });
    }
    expect(errorDetails(received(relayed(new Error('no code'))))).toMatchObject({
      reason: 'UNSPECIFIED',
    });
  });

  it("calls a peer's DEADLINE_EXCEEDED the caller's when the caller's own time ran out, not the peer down", () => {
    const unreachable = { reason: 'PEER_DOWN', message: 'the peer is down; try again' };
    const late = received(new DomainError(status.DEADLINE_EXCEEDED, undefined, 'deadline'));
    const gone = new AbortController();
    gone.abort();
    const callers = [
      { signal: gone.signal },
      { signal: new AbortController().signal, deadline: new Date(Date.now() - 1) },
    ];
    for (const parent of callers)
      for (const err of [late, received(new DomainError(status.CANCELLED, undefined, 'gone'))])
        expect(errorDetails(received(peerFailure(err, unreachable, parent)))).toMatchObject({
          code: status.DEADLINE_EXCEEDED,
          message: 'the deadline of this call passed while a service behind it was still answering',
        });
    // The caller still had time: the peer was too slow for this service's own deadline.
    const patient = {
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 60_000),
    };
    expect(errorDetails(received(peerFailure(late, unreachable, patient))).code).toBe(
      status.UNAVAILABLE,
    );
    // A peer's "no" is its answer whatever the caller's time.
    const no = received(new DomainError(status.NOT_FOUND, 'MISSING', 'no such thing'));
    expect(errorDetails(received(peerFailure(no, unreachable, callers[0]))).code).toBe(
      status.NOT_FOUND,
    );
  });
});
