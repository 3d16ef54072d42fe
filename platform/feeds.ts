/**
 * Feeds: server streams that never end by themselves (change feeds, health watches), which a
 * server shutting down ends at once with UNAVAILABLE instead of waiting its grace for them.
 */
import * as grpc from '@grpc/grpc-js';

/**
 * The feeds under way on one server, each by the function that stops it. Once closed (the
 * server shutting down), a feed that registers later is stopped as it registers: a call accepted
 * before the shutdown may reach its handler after it began (behind an interceptor that waits,
 * such as the intentions check asking Consul), and would otherwise hold the stop for the whole
 * grace.
 */
export class Feeds {
  private readonly open = new Set<() => void>();
  private closed = false;

  /** Registers a feed; false when the server is already shutting down (it was stopped at once). */
  add(stop: () => void): boolean {
    if (this.closed) {
      stop();
      return false;
    }
    this.open.add(stop);
    return true;
  }

  delete(stop: () => void): void {
    this.open.delete(stop);
  }

  /** Stops every feed under way and any that registers from now on; returns how many were open. */
  close(): number {
    this.closed = true;
    const count = this.open.size;
    for (const stop of this.open) stop();
    this.open.clear();
    return count;
  }
}

/**
 * Why a stream's handler is stopped when its server shuts down. Its caller is told UNAVAILABLE,
 * which every mesh client treats as "call again": a feed resumes from its cursor on another
 * instance, or on this one once it is back.
 */
export const SHUTTING_DOWN = new Error('the server is shutting down: call again to resume');

/**
 * `server` as grpc-health-check's `addToServer` sees it: its Watch (a stream that sends each
 * change of a service's health until the caller leaves) is a feed like any other, ended at once
 * with UNAVAILABLE when the server shuts down. The library offers no way to end its watches; a
 * Watch left open held every shutdown for the whole grace, then was cut ("forced").
 */
export function withHealthWatchAsFeed(server: grpc.Server, openFeeds: Feeds): grpc.Server {
  const addService: grpc.Server['addService'] = (service, implementation) => {
    const watch = implementation.watch as grpc.handleServerStreamingCall<unknown, unknown>;
    server.addService(service, {
      ...implementation,
      watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const stop = () =>
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: SHUTTING_DOWN.message });
        if (!openFeeds.add(stop)) return;
        // grpc-js emits 'cancelled' however a call ends, its caller's leaving included.
        call.on('cancelled', () => openFeeds.delete(stop));
        watch(call);
      },
    });
  };
  return { addService } as unknown as grpc.Server;
}
