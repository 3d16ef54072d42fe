import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { errorDetails, toStatusObject } from './errors.js';
import { fieldPath, validate } from './validation.js';

const vocabulary = {
  domain: 'example.v1',
  invalidArgument: 'BAD_FIELD',
  unspecified: '',
  dependencyUnavailable: '',
};

describe('validation', () => {
  it('names fields as proto paths', () => {
    expect(fieldPath(['items', 0, 'flightId'])).toBe('items[0].flight_id');
    expect(fieldPath(['newDepartureTime'])).toBe('new_departure_time');
  });

  it('turns every problem into one field violation per field', () => {
    const schema = z.object({
      code: z.string().regex(/^[A-Z]{3}$/),
      count: z.number().int().min(1),
      nested: z.object({ firstName: z.string().min(1) }),
    });
    let thrown: unknown;
    try {
      validate(schema, { code: 'LONDON', count: 0, nested: { firstName: '' } });
    } catch (err) {
      thrown = err;
    }
    const d = errorDetails(Object.assign(new Error(), toStatusObject(thrown, vocabulary)));
    expect(d.reason).toBe('BAD_FIELD');
    expect(d.fieldViolations.map((v) => v.field).sort()).toEqual([
      'code',
      'count',
      'nested.first_name',
    ]);
    expect(validate(schema, { code: 'JFK', count: 2, nested: { firstName: 'A' } })).toEqual({
      code: 'JFK',
      count: 2,
      nested: { firstName: 'A' },
    });
  });
});
