import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Names the route template ("/api/v1/bookings/:reference") of the HTTP request being served.
 * OpenTelemetry's HTTP instrumentation records `http.server.request.duration` for every request
 * but cannot know routes; it reads this when the response ends and adds it as `http.route`
 * (also the server span's name). Call it from the framework's routing hook, in the request's
 * context; a request no route matched stays without one, so unknown paths make no new series.
 */
export function nameHttpRoute(route: string | undefined): void {
  const rpc = getRPCMetadata(context.active());
  if (route && rpc?.type === RPCType.HTTP) rpc.route = route;
}
