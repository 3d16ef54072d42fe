/**
 * The timetable as an operator sees it: a day's flights on a route (schedule.ListFlights,
 * cancelled ones included), and the two operational changes, retime and cancel
 * (schedule.RetimeFlight, CancelFlight), which need a token with the `operator` role. A change
 * reaches search through schedule's change feed, so new searches reflect it.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireRole, type Role } from '../auth.js';
import { flightJson } from '../json.js';
import {
  flight,
  flightCancelBody,
  flightChangeHeaders,
  flightParams,
  flightsQuery,
  retimeBody,
} from '../schemas.js';
import { callOptions, problems, type Api, type RouteDeps } from './common.js';

export const OPERATOR_ROLE: Role = 'operator';

/**
 * onRequest: a valid bearer token (401 otherwise) whose verified `roles` claim holds
 * `operator` (403 otherwise).
 */
export const operatorOnly = (deps: RouteDeps) => ({
  onRequest: async (req: FastifyRequest) => {
    req.customerId = requireRole(
      await deps.authenticate(req.headers.authorization),
      OPERATOR_ROLE,
    ).subject;
  },
});

const operatorSecured = { security: [{ bearer: [] }], tags: ['flights'] };

export function registerFlightRoutes(api: Api, deps: RouteDeps): void {
  const { clients, config } = deps;
  const operator = operatorOnly(deps);

  api.get('/api/v1/flights', {
    schema: {
      summary: "A day's flights on a route, cancelled ones included",
      tags: ['flights'],
      querystring: flightsQuery,
      response: { 200: z.object({ flights: z.array(flight) }), ...problems },
    },
    config: { fieldNames: { fromDate: 'date', toDate: 'date' } },
    handler: async (req, reply) => {
      const flights = [];
      for await (const r of clients.schedule.listFlights(
        {
          origin: req.query.origin,
          destination: req.query.destination,
          fromDate: req.query.date,
          toDate: req.query.date,
          includeCancelled: true,
        },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      ))
        if (r.flight) flights.push(flightJson(r.flight));
      flights.sort((a, b) => Date.parse(a.departure) - Date.parse(b.departure));
      return { flights };
    },
  });

  api.post('/api/v1/flights/:flightId/retime', {
    ...operator,
    schema: {
      ...operatorSecured,
      summary: 'Retime a flight (operator)',
      headers: flightChangeHeaders,
      params: flightParams,
      body: retimeBody,
      response: { 200: flight, ...problems },
    },
    config: { fieldNames: { newDepartureTime: 'departure' } },
    handler: async (req, reply) => {
      const { flight } = await clients.schedule.retimeFlight(
        {
          flightId: req.params.flightId,
          newDepartureTime: new Date(req.body.departure),
          reason: req.body.reason,
          requestId: req.headers['idempotency-key'],
        },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return flightJson(flight!);
    },
  });

  api.post('/api/v1/flights/:flightId/cancel', {
    ...operator,
    schema: {
      ...operatorSecured,
      summary: 'Cancel a flight (operator)',
      headers: flightChangeHeaders,
      params: flightParams,
      body: flightCancelBody,
      response: { 200: flight, ...problems },
    },
    handler: async (req, reply) => {
      const { flight } = await clients.schedule.cancelFlight(
        {
          flightId: req.params.flightId,
          reason: req.body.reason,
          requestId: req.headers['idempotency-key'],
        },
        callOptions(req, reply, config.BOOKING_TIMEOUT_MS),
      );
      return flightJson(flight!);
    },
  });
}
