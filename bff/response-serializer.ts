/**
 * Responses checked against their zod schemas, fast: each schema is turned into JSON Schema once,
 * at start-up, and compiled by Ajv; a response is checked by that and written by JSON.stringify.
 *
 * fastify-type-provider-zod's serializer runs the zod schema over every response (`z.encode`),
 * which profiled at about 2.5 ms of CPU for a 20-itinerary search answer (36 kB of JSON): most
 * of the BFF's own cost of a search. Ajv's compiled check is a small fraction of that. Same
 * contract as before: a response that does not match its schema is a ResponseSerializationError
 * (the error handler answers 500 and logs the cause), and properties the schema does not name
 * are left out. Schemas JSON Schema cannot express (transforms) keep the zod serializer; the
 * response schemas (bff/schemas.ts) are plain data.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

// removeAdditional drops what an object schema does not name (zod's output JSON Schema closes
// objects with additionalProperties: false), as zod's parse did; strict off for the
// annotations zod writes (descriptions, ids).
const ajv = new Ajv({ removeAdditional: true, strict: false, allErrors: false });

/** A zod-shaped error for the error handler's log line: the path and message of each issue. */
function zodError(errors: ErrorObject[]): z.ZodError {
  return new z.ZodError(
    errors.map((e) => ({
      code: 'custom' as const,
      path: e.instancePath.split('/').slice(1),
      message: e.message ?? 'does not match the schema',
      input: undefined,
    })),
  );
}

type SerializerArgs = Parameters<typeof serializerCompiler>[0];

/** The BFF's serializer compiler (see above): `app.setSerializerCompiler(responseSerializer)`. */
export const responseSerializer = (args: SerializerArgs): ((data: unknown) => string) => {
  const schema = args.schema as unknown;
  if (!(schema instanceof z.ZodType)) return serializerCompiler(args);
  let json: object;
  try {
    json = z.toJSONSchema(schema, {
      io: 'output',
      target: 'draft-07',
      unrepresentable: 'throw',
    });
  } catch {
    return serializerCompiler(args);
  }
  const validate = ajv.compile(json);
  return (data) => {
    if (!validate(data))
      throw new ResponseSerializationError(args.method, args.url, {
        cause: zodError(validate.errors ?? []),
      });
    return JSON.stringify(data);
  };
};
