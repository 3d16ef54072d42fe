import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { errorDetails, toStatusObject } from '../platform/errors.js';
import { validate } from '../platform/validation.js';
import { FLIGHTS_ERRORS } from './errors.js';
import { SortOrder } from '../gen/ts/flights/v1/search.js';
import { fields, protoEnum, text } from './fields.js';

describe('flights fields', () => {
  it('turns every problem into a field violation', () => {
    const schema = z.object({
      origin: fields.iataCode,
      date: fields.localDate,
      key: fields.clientId,
    });
    let thrown: unknown;
    try {
      validate(schema, { origin: 'LONDON', date: '2026-02-30', key: '' });
    } catch (err) {
      thrown = err;
    }
    const d = errorDetails(Object.assign(new Error(), toStatusObject(thrown, FLIGHTS_ERRORS)));
    expect(d.fieldViolations.map((v) => v.field).sort()).toEqual(['date', 'key', 'origin']);
    expect(validate(schema, { origin: 'jfk', date: '2028-02-29', key: 'abc-1' })).toEqual({
      origin: 'JFK',
      date: '2028-02-29',
      key: 'abc-1',
    });
  });

  it.each([
    [{ adults: 10, children: 0, infants: 0 }, 'adults'],
    [{ adults: 5, children: 5, infants: 0 }, 'children'],
    [{ adults: 1, children: 0, infants: 2 }, 'infants'],
  ])('names the field the caller set when seats are too many: %o → %s', (passengers, field) => {
    const result = fields.passengers.safeParse(passengers);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });

  it('tells a text left out from one sent empty', () => {
    const schema = z.object({ key: text().min(1).optional(), name: text().min(1) });
    const violations = (input: unknown) => {
      try {
        validate(schema, input);
      } catch (err) {
        return errorDetails(Object.assign(new Error(), toStatusObject(err, FLIGHTS_ERRORS)))
          .fieldViolations;
      }
      return [];
    };
    expect(violations({ key: '', name: '' })).toEqual([
      { field: 'key', description: 'must not be empty' },
      { field: 'name', description: 'must not be empty' },
    ]);
    expect(violations({})).toEqual([{ field: 'name', description: 'is required' }]);
  });

  it('takes a flight id only with a departure date the calendar has', () => {
    expect(fields.flightId.safeParse('BA117-2028-02-29').success).toBe(true);
    for (const [id, message] of [
      ['BA117-2026-02-30', 'has a departure date the calendar does not'],
      ['BA117-2026-13-01', 'has a departure date the calendar does not'],
      ['BA117-2026-00-10', 'has a departure date the calendar does not'],
      [
        'BA117-20261201',
        'must be a flight id like BA117-2026-12-01 (upper case, no leading zero in the number)',
      ],
      // A second spelling of BA29 would be a second key for its seats and status.
      [
        'BA029-2026-12-09',
        'must be a flight id like BA117-2026-12-01 (upper case, no leading zero in the number)',
      ],
      [
        'ba29-2026-12-09',
        'must be a flight id like BA117-2026-12-01 (upper case, no leading zero in the number)',
      ],
      [
        'BA0-2026-12-09',
        'must be a flight id like BA117-2026-12-01 (upper case, no leading zero in the number)',
      ],
    ]) {
      const result = fields.flightId.safeParse(id);
      expect(
        result.error?.issues.map((i) => i.message),
        id,
      ).toEqual([message]);
    }
  });

  it('reads a quote id in any case and keeps it in lower case, one spelling per quote', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(fields.quoteId.parse(id.toUpperCase())).toBe(id);
    expect(fields.quoteId.safeParse('nope').error?.issues[0]?.message).toBe(
      'must be a quote id issued by pricing',
    );
  });

  it('names a proto enum field’s values, not their numbers, for a number the contract lacks', () => {
    const sort = protoEnum(SortOrder);
    expect(sort.parse(SortOrder.SORT_ORDER_PRICE)).toBe(SortOrder.SORT_ORDER_PRICE);
    for (const bad of [99, SortOrder.UNRECOGNIZED])
      expect(sort.safeParse(bad).error?.issues.map((i) => i.message)).toEqual([
        'must be one of SORT_ORDER_UNSPECIFIED, SORT_ORDER_PRICE, SORT_ORDER_DURATION, SORT_ORDER_DEPARTURE',
      ]);
    expect(fields.cabin.safeParse(0).error?.issues.map((i) => i.message)).toEqual([
      'must be a cabin (economy, premium economy, business or first)',
    ]);
  });
});
