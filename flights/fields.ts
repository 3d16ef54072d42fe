import { z } from 'zod';
import { Cabin } from '../gen/ts/flights/v1/common.js';

/**
 * Building blocks of the request schemas of every service (and the BFF): the flights
 * vocabulary's fields, validated once the same way everywhere.
 */
export const fields = {
  /** IATA airport code; lower case is accepted and upper-cased. */
  iataCode: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code')),
  /** A calendar date "YYYY-MM-DD" that exists. */
  localDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    }, 'is not a calendar date'),
  /** A client-chosen id or idempotency key. */
  clientId: z
    .string()
    .min(1, 'is required')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9._:~-]+$/, 'may contain only letters, digits and . _ : ~ -'),
  /** A dated flight id as schedule issues them: carrier, number and local departure date. */
  flightId: z
    .string()
    .regex(/^[A-Z0-9]{2}\d{1,4}-\d{4}-\d{2}-\d{2}$/, 'must be a flight id like BA117-2026-12-01'),
  cabin: z
    .nativeEnum(Cabin)
    .refine(
      (c) => c !== Cabin.CABIN_UNSPECIFIED && c !== Cabin.UNRECOGNIZED,
      'must be a cabin (economy, premium economy, business or first)',
    ),
  /** At least one adult, at most 9 seats, an infant travels on an adult's lap. */
  passengers: z
    .object(
      {
        adults: z.number().int().min(1, 'must be at least 1'),
        children: z.number().int(),
        infants: z.number().int(),
      },
      { error: 'is required' },
    )
    .superRefine((p, ctx) => {
      if (p.adults + p.children > 9)
        ctx.addIssue({
          code: 'custom',
          path: ['children'],
          message: 'at most 9 seated passengers',
        });
      if (p.infants > p.adults)
        ctx.addIssue({ code: 'custom', path: ['infants'], message: 'must not exceed adults' });
    }),
};
