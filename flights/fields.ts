import { FLIGHT_ID } from './flight-id.js';
import { isCalendarDate } from './calendar.js';
import { z } from 'zod';
import { Cabin } from '../gen/ts/flights/v1/common.js';

/**
 * The API's words for zod's built-in checks, where a schema gives none of its own (a schema's
 * own message always wins). Installed once here, the module every request schema of every
 * service and the BFF builds on. zod's defaults spoke of the validator, not the field: "Too
 * big: expected int to be <=9007199254740991", "Invalid input: expected string, received
 * undefined", "Invalid option: expected one of "economy"|…".
 */
const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
z.config({
  customError: (issue) => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'is required';
        if (issue.expected === 'number' && typeof issue.input === 'number')
          return 'must be a finite number';
        return `must be ${article(String(issue.expected))}`;
      case 'too_big': {
        const max = Number(issue.maximum);
        if (issue.origin === 'array' || issue.origin === 'set')
          return `must have at most ${max} items`;
        if (issue.origin === 'string') return `must be at most ${max} characters`;
        return max >= Number.MAX_SAFE_INTEGER ? 'is too large' : `must be at most ${max}`;
      }
      case 'too_small': {
        const min = Number(issue.minimum);
        if (issue.origin === 'array' || issue.origin === 'set')
          return `must have at least ${min} item${min === 1 ? '' : 's'}`;
        // Sent but empty (or blank, once trimmed): "is required" told the client it had not
        // sent it (an empty optional Idempotency-Key was "is required").
        if (issue.origin === 'string')
          return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
        return min <= Number.MIN_SAFE_INTEGER ? 'is too small' : `must be at least ${min}`;
      }
      case 'invalid_value':
        return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
      case 'invalid_format':
        if (issue.format === 'email') return 'must be an email address';
        if (issue.format === 'uuid') return 'must be a UUID';
        return `must be a valid ${issue.format}`;
      default:
        return undefined;
    }
  },
});

/** C0 and C1 control characters and DEL (Unicode category Cc), U+0000 among them. */
const CONTROL = /\p{Cc}/u;
/** With the u flag a valid surrogate pair is one code point: only a lone surrogate is Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a string is not text a person could have typed, or undefined when it is. Refused: control
 * characters (PostgreSQL cannot store U+0000 in text or jsonb at all, and the others are never
 * part of a name, an id or a reason); lone surrogates (not Unicode: they cannot be encoded as
 * UTF-8); and U+FFFD, which is what a protobuf or HTTP decoder makes of bytes that were not UTF-8,
 * so over gRPC it is the only trace malformed text leaves.
 */
export function textProblem(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  if (CONTROL.test(s)) return 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
  if (s.includes('\uFFFD'))
    return 'must be well-formed Unicode (it holds U+FFFD, the mark of bytes that were not UTF-8)';
  return undefined;
}

/**
 * The base of every string field of every request, over gRPC and HTTP: text that breaks the
 * rule of `textProblem` is refused naming the field; accepted text is in Unicode NFC, so the
 * same name typed with combining accents (NFD) is stored, compared and fingerprinted as one.
 * The rule runs before any other check of the field, so its message is the one the caller sees.
 */
export const text = () =>
  z
    .string()
    .superRefine((s, ctx) => {
      const problem = textProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .normalize('NFC');

/**
 * `schema`, or "" for a field left unset (proto3 strings have no null). Not a zod union: a union
 * that fails says only "Invalid input", where this keeps the message of the rule that failed.
 * The text rule applies to the field either way.
 */
export const orEmpty = <Out>(schema: z.ZodType<Out, string>) =>
  text().transform((s, ctx): Out | '' => {
    if (s === '') return '';
    const parsed = schema.safeParse(s);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

/** A calendar date "YYYY-MM-DD" that exists. */
const localDate = text()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, 'is not a calendar date');

/**
 * Characters that display as nothing though Unicode calls them letters or symbols (the Hangul
 * fillers, the blank Braille pattern): text of them looks blank.
 */
const INVISIBLE_LETTERS = /[\u115F\u1160\u2800\u3164\uFFA0]/gu;
/**
 * Bidirectional formatting: marks (U+061C, U+200E, U+200F), embeddings and overrides
 * (U+202A–U+202E), isolates (U+2066–U+2069). They make text display as something other than
 * what is stored.
 */
const DIRECTION_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Without the blank-looking fillers: what of `s` can be seen. */
const shown = (s: string) => s.replace(INVISIBLE_LETTERS, '');

/**
 * `schema` (a string) that must show something, with `rule` (a test of what shows) naming what:
 * text people read (a name, an operator's reason) that displays as nothing, or as something
 * other than what is stored, is refused.
 */
export function visibleText<S extends z.ZodType<string, string>>(
  schema: S,
  rule: { shows: RegExp; message: string } = {
    shows: /[\p{L}\p{N}\p{P}\p{S}]/u,
    message: 'must contain a visible character',
  },
) {
  return schema
    .refine((s) => rule.shows.test(shown(s)), rule.message)
    .refine(
      (s) => !DIRECTION_CONTROLS.test(s),
      'must not contain text-direction controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)',
    );
}

/**
 * A proto enum field (a ts-proto numeric enum): one of `allowed` of its values (default: every
 * named value), never ts-proto's UNRECOGNIZED (-1, what a number the contract does not name
 * decodes to). Refused with `message`, by default the names of the values allowed, as grpcurl
 * and the JSON mapping write them (not their numbers).
 */
export function protoEnum<E extends Record<string, string | number>>(
  values: E,
  allowed: E[keyof E][] = Object.values(values).filter(
    (v): v is E[keyof E] => typeof v === 'number' && v !== -1,
  ),
  message = `must be one of ${Object.keys(values)
    .filter((k) => allowed.includes(values[k] as E[keyof E]))
    .join(', ')}`,
) {
  return z
    .nativeEnum(values, { error: message })
    .refine((v) => allowed.includes(v as E[keyof E]), message);
}

/**
 * The characters of a booking reference: no 0/O, no 1/I/L, so a reference read over the phone
 * cannot be mistaken (booking issues them: services/booking/domain/reference.ts).
 */
export const BOOKING_REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * Building blocks of the request schemas of every service (and the BFF): the flights
 * vocabulary's fields, validated once the same way everywhere. Every string among them is a
 * `text()`.
 */
export const fields = {
  /** IATA airport code; lower case is accepted and upper-cased. */
  iataCode: text()
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code')),
  /** A calendar date "YYYY-MM-DD" that exists. */
  localDate,
  /** A person's date of birth: a calendar date from 1900-01-01 up to today (UTC). */
  dateOfBirth: localDate
    .refine((s) => s >= '1900-01-01', 'must be on or after 1900-01-01')
    .refine((s) => s <= new Date().toISOString().slice(0, 10), 'must not be in the future'),
  /**
   * A quote id: a UUID as pricing issues it. UUIDs are read in any case (RFC 9562) and kept in
   * lower case, so one quote has one spelling everywhere (its row, and the one booking of it).
   */
  quoteId: text()
    .transform((s) => s.toLowerCase())
    .pipe(z.uuid('must be a quote id issued by pricing')),
  /**
   * A passenger's given or family name as printed on a ticket: trimmed, 1–100 characters, of
   * visible text (`visibleText`). Joiners (U+200C, U+200D) stay: Persian and Indic names need
   * them.
   */
  personName: visibleText(
    text().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
    { shows: /\p{L}/u, message: 'must contain a letter' },
  ),
  /**
   * A booking reference: six of BOOKING_REFERENCE_ALPHABET, read in any case and trimmed, kept
   * in upper case. The rule is said whole: "OOOOOO" has six characters, and the BFF once let it
   * through as "6 letters or digits" for booking to refuse in other words.
   */
  // The rule on the text as sent (either case, spaces around), so an OpenAPI document shows it
  // as the pattern the server applies; kept in upper case.
  bookingReference: text()
    .regex(
      new RegExp(
        `^\\s*[${BOOKING_REFERENCE_ALPHABET}${BOOKING_REFERENCE_ALPHABET.replace(/\d/g, '').toLowerCase()}]{6}\\s*$`,
      ),
      'must be 6 letters or digits, none of them 0, 1, I, L or O',
    )
    .transform((s) => s.trim().toUpperCase()),
  /** A client-chosen id or idempotency key. */
  clientId: text()
    .min(1, 'is required')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9._:~-]+$/, 'may contain only letters (a–z, A–Z), digits and . _ : ~ -'),
  /** A dated flight id as schedule issues them: carrier, number and local departure date. */
  flightId: text()
    // One spelling per flight: the number as schedule writes it, without leading zeros (BA029
    // would be a second name for BA29, with seats and status of its own).
    .regex(FLIGHT_ID, {
      message:
        'must be a flight id like BA117-2026-12-01 (upper case, no leading zero in the number)',
      abort: true,
    })
    .refine((id) => isCalendarDate(id.slice(-10)), 'has a departure date the calendar does not'),
  cabin: protoEnum(
    Cabin,
    [Cabin.CABIN_ECONOMY, Cabin.CABIN_PREMIUM_ECONOMY, Cabin.CABIN_BUSINESS, Cabin.CABIN_FIRST],
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
          // The field the caller set: children only when there are any.
          path: [p.children > 0 ? 'children' : 'adults'],
          message: 'at most 9 seated passengers',
        });
      if (p.infants > p.adults)
        ctx.addIssue({ code: 'custom', path: ['infants'], message: 'must not exceed adults' });
    }),
};
