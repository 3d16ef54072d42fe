/**
 * Issue 14 item 6, with the real parts: a flight leaves sale 60 minutes before departure, and
 * search (what it offers), pricing (what it quotes) and booking (what it books) all hold that
 * line, over gRPC and through the BFF, with PostgreSQL and with the embedded store. The clock
 * of search, pricing and booking is injected and pinned; the timetable's dates are too.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { SortOrder, type Itinerary } from '../gen/ts/flights/v1/search.js';
import { startBff, type BffFixture } from './support/bff.js';
import { ANCHOR_DATE } from './support/dates.js';
import { ada, bookingRequest, startBooking, type BookingFixture } from './support/booking.js';
import { startPricing, type PricingFixture } from './support/pricing.js';
import { expectProblem, send } from './support/problem.js';
import {
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from './support/schedule.js';
import { startSearch, type SearchFixture } from './support/search.js';

const MINUTE = 60_000;
const adult = { adults: 1, children: 0, infants: 0 };

describe.each<StoreKind>(['postgres', 'embedded'])(
  'sales cut-off across the mesh (%s)',
  (store) => {
    /** The one clock of search, pricing and booking; booking's may be set apart from it. */
    let nowMs = Date.parse('2026-12-02T23:00:00Z');
    let bookingSkewMs = 0;
    const parts: { stop(): Promise<void> }[] = [];
    let schedule: ScheduleFixture;
    let pricing: PricingFixture;
    let search: SearchFixture;
    let booking: BookingFixture;
    let bff: BffFixture;

    beforeAll(async () => {
      const up = <T extends { stop(): Promise<void> }>(part: T) => (parts.push(part), part);
      // Every clock here is pinned, so the timetable is too: the dates the cases were written for.
      schedule = up(await startSchedule(store, { SCHEDULE_START_DATE: ANCHOR_DATE }));
      pricing = up(await startPricing(schedule.address, { store, now: () => new Date(nowMs) }));
      const peers = { schedule: schedule.address, pricing: pricing.address };
      search = up(
        await startSearch(
          peers,
          { SEARCH_START_DATE: ANCHOR_DATE, SEARCH_DAYS: '4' },
          { now: () => nowMs },
        ),
      );
      booking = up(
        await startBooking(peers, { store, now: () => new Date(nowMs + bookingSkewMs) }),
      );
      bff = up(await startBff({ ...peers, search: search.address, booking: booking.address }));
    });
    afterAll(async () => {
      for (const part of parts.reverse()) await part.stop();
    });

    async function searchFor(origin: string, destination: string, date: string, maxStops = 0) {
      const found: Itinerary[] = [];
      let note = '';
      for await (const m of search.client.searchItineraries({
        origin,
        destination,
        departureDate: date,
        passengers: adult,
        cabin: Cabin.CABIN_ECONOMY,
        maxStops,
        sort: SortOrder.SORT_ORDER_DEPARTURE,
        maxResults: 50,
      })) {
        if (m.itinerary) found.push(m.itinerary);
        if (m.summary) note = m.summary.note;
      }
      return { found, note };
    }
    const quote = (flightId: string) =>
      pricing.client.createQuote({
        flightIds: [flightId],
        passengers: adult,
        cabin: Cabin.CABIN_ECONOMY,
        requestId: '',
      });

    it('offers, quotes and books nothing that left: SYD→SIN at 23:00 UTC (the issue)', async () => {
      nowMs = Date.parse('2026-12-02T23:00:00Z');
      // ET17 SYD→SIN left at 11:45 UTC on 2026-12-02 (22:45 in Sydney): so did the rest of the day.
      const { found, note } = await searchFor('SYD', 'SIN', '2026-12-02');
      expect(found).toEqual([]);
      expect(note).toContain(
        'flights leaving before 2026-12-03T00:00:00.001Z are no longer on sale',
      );

      const grpc = await failure(quote('ET17-2026-12-02'));
      expect(grpc.code).toBe(status.FAILED_PRECONDITION);
      expect(grpc.reason).toBe('SALES_CLOSED');
      expect(grpc.metadata).toMatchObject({
        flight_id: 'ET17-2026-12-02',
        departure_time: '2026-12-02T11:45:00.000Z',
        sales_closed_at: '2026-12-02T10:45:00.000Z',
      });

      const http = await send(bff.url, 'POST', '/api/v1/quotes', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          flightIds: ['ET17-2026-12-02'],
          passengers: { adults: 1 },
          cabin: 'economy',
        }),
      });
      expectProblem(http, 409, 'sales-closed');
      expect(http.problem).toMatchObject({ reason: 'SALES_CLOSED' });
    });

    it('offers a west-of-UTC traveller their today after UTC midnight, from the cut-off on', async () => {
      // 01:00 UTC on 12-03 is 17:00 on 12-02 in Los Angeles: sales are open from 02:00 UTC on.
      nowMs = Date.parse('2026-12-03T01:00:00Z');
      const { found } = await searchFor('LAX', 'NRT', '2026-12-02', 1);
      const ids = found.map((i) => i.segments[0]!.flightId);
      expect(ids).not.toContain('NH25-2026-12-02'); // left at 16:15 UTC on 12-02
      expect(ids).not.toContain('US104-2026-12-02'); // leaves at 00:55 UTC: gone
      expect(ids).toContain('SQ29-2026-12-02'); // leaves at 02:55 UTC: on sale
      for (const i of found)
        expect(i.departureTime!.getTime()).toBeGreaterThan(nowMs + 60 * MINUTE);
      // Pricing agrees with search: a quote for the first flight search offers, not the one before.
      expect((await quote('SQ29-2026-12-02')).quote!.segments[0]!.flightId).toBe('SQ29-2026-12-02');
      expect((await failure(quote('US104-2026-12-02'))).reason).toBe('SALES_CLOSED');
    });

    it('books nothing whose sale closed after it was quoted: pricing and booking both refuse', async () => {
      // JL26 LAX→NRT leaves at 03:00 UTC on 12-03; its sale closes at 02:00. Quotes last 15 min.
      nowMs = Date.parse('2026-12-03T01:52:00Z');
      const early = (await quote('JL26-2026-12-02')).quote!;
      const early2 = (await quote('JL26-2026-12-02')).quote!;
      const early3 = (await quote('JL26-2026-12-02')).quote!;

      // Pricing's clock passes the cut-off: it will not confirm the quote for booking.
      nowMs = Date.parse('2026-12-03T02:00:00Z');
      const viaPricing = await failure(booking.client.createBooking(bookingRequest(early.quoteId)));
      expect(viaPricing.code).toBe(status.FAILED_PRECONDITION);
      expect(viaPricing.reason).toBe('SALES_CLOSED');

      // Booking's own clock is past the cut-off while pricing's is not: booking refuses on its own.
      nowMs = Date.parse('2026-12-03T01:55:00Z');
      bookingSkewMs = 6 * MINUTE;
      try {
        const own = await failure(booking.client.createBooking(bookingRequest(early2.quoteId)));
        expect(own.code).toBe(status.FAILED_PRECONDITION);
        expect(own.reason).toBe('SALES_CLOSED');
        expect(own.metadata.flight_id).toBe('JL26-2026-12-02');

        const http = await send(bff.url, 'POST', '/api/v1/bookings', {
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await bff.token('alice')}`,
            'idempotency-key': `sales-${store}`,
          },
          body: JSON.stringify({
            quoteId: early3.quoteId,
            passengers: [{ ...ada, type: 'adult' }],
            contactEmail: 'ada@example.com',
          }),
        });
        expectProblem(http, 409, 'sales-closed');
        expect(http.problem).toMatchObject({ reason: 'SALES_CLOSED' });
      } finally {
        bookingSkewMs = 0;
      }
      // Nothing was booked, and nothing is held: every seat of the flight is still there.
      const { flights } = await schedule.client.getAvailability({ flightIds: ['JL26-2026-12-02'] });
      const economy = flights[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
      expect(economy.held + economy.sold).toBe(0);
    });
  },
);
