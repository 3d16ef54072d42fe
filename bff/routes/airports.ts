/** GET /api/v1/airports: airports by code, city or name (schedule.ListAirports). */
import { z } from 'zod';
import { airportJson } from '../json.js';
import { airport, airportsQuery } from '../schemas.js';
import { callOptions, problems, type Api, type RouteDeps } from './common.js';

export function registerAirportRoutes(api: Api, { clients, config }: RouteDeps): void {
  api.get('/api/v1/airports', {
    schema: {
      summary: 'Find airports by code, city or name',
      tags: ['airports'],
      querystring: airportsQuery,
      response: { 200: z.object({ airports: z.array(airport) }), ...problems },
    },
    handler: async (req, reply) => {
      const { airports } = await clients.schedule.listAirports(
        { query: req.query.q, pageSize: req.query.limit, pageToken: '' },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { airports: airports.map(airportJson) };
    },
  });
}
