import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { anySignal } from 'any-signal';
import { LRUCache } from 'lru-cache';
import type { ConsulCertificates } from './connect-ca.js';
import type { Logger } from './logger.js';

/** Methods a caller without a mesh certificate may call: Consul's health check uses them. */
const OPEN_METHODS = new Set(['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch']);

/** How long an intention decision is reused: short, so a changed intention applies in seconds. */
const DECISION_TTL_MS = 1_000;

/** The SPIFFE URIs in a certificate's subjectAltName ("URI:spiffe://…, DNS:…"). */
function spiffeUris(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  return (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:spiffe://'))
    .map((s) => s.slice('URI:'.length));
}

/**
 * The service name of a Consul service identity in `trustDomain`, or undefined:
 * spiffe://<trust-domain>/ns/<ns>/dc/<dc>/svc/<name>.
 */
export function serviceOfSpiffe(uri: string, trustDomain: string): string | undefined {
  const match = /^spiffe:\/\/([^/]+)\/ns\/[^/]+\/dc\/[^/]+\/svc\/([^/]+)$/.exec(uri);
  if (!match || match[1]!.toLowerCase() !== trustDomain.toLowerCase()) return undefined;
  return match[2];
}

/**
 * The calling service of a call, from the SPIFFE id of the client certificate it presented
 * (undefined without one, or for a certificate of another trust domain). For handlers that
 * trust some callers more than others (CallContext.caller).
 */
export function meshCaller(
  certs: Pick<ConsulCertificates, 'trustDomain'>,
): (call: CallWithCertificate) => string | undefined {
  return (call) => callerOf(call, certs.trustDomain)?.service;
}

type CallWithCertificate = { getAuthContext(): { sslPeerCertificate?: PeerCertificate } };

/** The client certificate of a call, its SPIFFE id and the mesh service it names, if any. */
function callerOf(call: CallWithCertificate, trustDomain: string) {
  const peer = call.getAuthContext().sslPeerCertificate;
  const uri = peer ? spiffeUris(peer)[0] : undefined;
  const service = uri ? serviceOfSpiffe(uri, trustDomain) : undefined;
  return peer && uri && service ? { peer, uri, service } : undefined;
}

/**
 * Server credentials: TLS with this service's leaf, asking every client for a certificate
 * signed by the mesh CA. A client without one still completes the handshake (Consul's gRPC
 * health check has none), but meshAuthorization refuses it everything except health.
 */
export function meshServerCredentials(certs: ConsulCertificates): grpc.ServerCredentials {
  return grpc.experimental.createCertificateProviderServerCredentials(certs, certs, false);
}

/**
 * Channel credentials of a call to `service`: this process's leaf as the client certificate,
 * the mesh roots as the only trust, and the server must prove it is `service` by its SPIFFE
 * identity (not by a DNS name: instances come and go at any address Consul reports).
 */
export function meshChannelCredentials(
  certs: ConsulCertificates,
  service: string,
): grpc.ChannelCredentials {
  return grpc.experimental.createCertificateProviderChannelCredentials(certs, certs, {
    checkServerIdentity: (_host, cert) => {
      const names = spiffeUris(cert).map((u) => serviceOfSpiffe(u, certs.trustDomain));
      return names.includes(service)
        ? undefined
        : new Error(
            `peer is not ${service} of this mesh: ${spiffeUris(cert).join(' ') || 'no SPIFFE id'}`,
          );
    },
  });
}

interface Decision {
  authorized: boolean;
  reason: string;
}

/**
 * The server interceptor that enforces Consul intentions on every incoming call: the caller's
 * SPIFFE identity (from its verified client certificate) must be allowed to call `service`
 * (`/v1/agent/connect/authorize`, one request per identity at a time, decisions fresh for
 * DECISION_TTL_MS; a stale one still answers while it is refreshed). No certificate →
 * UNAUTHENTICATED; denied → PERMISSION_DENIED. An agent that does not answer: the caller's last
 * decision stands; a caller never decided is refused (fail closed).
 */
export function meshAuthorization(options: {
  consulAddress: string;
  service: string;
  certs: ConsulCertificates;
  log: Logger;
}): grpc.ServerInterceptor {
  const { consulAddress, service, certs, log } = options;
  // Decisions by caller identity, fresh for DECISION_TTL_MS. lru-cache's fetch asks the agent
  // once per identity however many calls arrive together (a burst of first calls once sent one
  // authorize request each and, under load, some ran out of time and were refused), answers from
  // the last decision while it refreshes a stale one, and keeps that decision while the agent
  // cannot answer (like Envoy keeping its last RBAC config). A caller never decided waits for
  // the agent; if the agent cannot answer, it is refused (fail closed).
  const cache = new LRUCache<string, Decision, string>({
    max: 1_000,
    ttl: DECISION_TTL_MS,
    allowStale: true,
    allowStaleOnFetchRejection: true,
    noDeleteOnFetchRejection: true,
    fetchMethod: async (uri, _stale, { signal, context: serial }) => {
      // any-signal, not AbortSignal.any: fetch listens weakly, and on Node 20 a composite
      // signal is then collectable, its 2 s timeout lost (see services/schedule/feed.ts).
      const limit = anySignal([signal, AbortSignal.timeout(2_000)]);
      try {
        const res = await fetch(`${consulAddress}/v1/agent/connect/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ Target: service, ClientCertURI: uri, ClientCertSerial: serial }),
          signal: limit,
        });
        if (!res.ok) throw new Error(`HTTP ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { Authorized: boolean; Reason: string };
        return { authorized: body.Authorized, reason: body.Reason };
      } finally {
        limit.clear();
      }
    },
  });

  async function decide(uri: string, serial: string): Promise<Decision> {
    try {
      const decision = await cache.fetch(uri, { context: serial });
      if (decision) return decision;
      throw new Error('no decision');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'intentions: agent unreachable, refusing the call');
      return { authorized: false, reason: 'intentions could not be checked' };
    }
  }

  async function refusal(method: string, call: grpc.ServerInterceptingCallInterface) {
    if (OPEN_METHODS.has(method)) return undefined;
    const caller = callerOf(call, certs.trustDomain);
    if (!caller)
      return {
        code: grpc.status.UNAUTHENTICATED,
        details: 'a client certificate from this mesh is required',
      };
    const { peer, uri, service: source } = caller;
    const decision = await decide(uri, peer.serialNumber);
    if (decision.authorized) return undefined;
    log.warn({ method, source, reason: decision.reason }, 'call refused by intentions');
    return {
      code: grpc.status.PERMISSION_DENIED,
      details: `${source} may not call ${service}: ${decision.reason}`,
    };
  }

  return (method, call) => {
    const intercepting: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            refusal(method.path, call).then(
              (refused) => {
                if (refused) intercepting.sendStatus({ ...refused, metadata: new grpc.Metadata() });
                else nextMetadata(metadata);
              },
              (err: unknown) => {
                log.error({ err }, 'intentions check failed');
                intercepting.sendStatus({ code: grpc.status.INTERNAL, details: 'internal error' });
              },
            );
          },
        });
      },
    });
    return intercepting;
  };
}
