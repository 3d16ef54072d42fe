/**
 * GET /api/v1/airports: airports by code, city or name, as people type them, a page at a time
 * (schedule.ListAirports).
 */
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
      response: {
        200: z.object({
          airports: z.array(airport),
          nextPageToken: z.string().nullable().describe('pass as pageToken for the next page'),
        }),
        ...problems,
      },
    },
    config: { fieldNames: { query: 'q', pageSize: 'limit' } },
    handler: async (req, reply) => {
      const { airports, nextPageToken } = await clients.schedule.listAirports(
        { query: req.query.q, pageSize: req.query.limit, pageToken: req.query.pageToken },
        callOptions(req, reply, config.READ_TIMEOUT_MS),
      );
      return { airports: airports.map(airportJson), nextPageToken: nextPageToken || null };
    },
  });
}
