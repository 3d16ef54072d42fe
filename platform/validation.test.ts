import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { errorDetails, toStatusObject } from './errors.js';
import { fieldPath, fields, validate } from './validation.js';

describe('validation', () => {
  it('names fields as proto paths', () => {
    expect(fieldPath(['items', 0, 'flightId'])).toBe('items[0].flight_id');
    expect(fieldPath(['newDepartureTime'])).toBe('new_departure_time');
  });

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
    const d = errorDetails(Object.assign(new Error(), toStatusObject(thrown)));
    expect(d.fieldViolations.map((v) => v.field).sort()).toEqual(['date', 'key', 'origin']);
    expect(validate(schema, { origin: 'jfk', date: '2028-02-29', key: 'abc-1' })).toEqual({
      origin: 'JFK',
      date: '2028-02-29',
      key: 'abc-1',
    });
  });
});
