/**
 * protoc-gen-validate's rules (https://github.com/bufbuild/protoc-gen-validate) as Envoy
 * enforces them when it loads a config, for proto-json.ts: the subset Envoy's API uses.
 */
import { isIP } from 'node:net';
import protobuf from 'protobufjs';

export type Rules = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NUMERIC = [
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
];

/**
 * protoc-gen-validate's well_known_regex patterns, strict (the default) and loose. The loose
 * form is PGV's HEADER_STRING for names and values alike: no NUL, CR or LF, and empty is fine
 * (so an unset optional header-name field, e.g. jwt_authn's forward_payload_header, passes).
 */
const HEADER = {
  HTTP_HEADER_NAME: { strict: /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/, loose: /^[^\0\n\r]*$/ },
  HTTP_HEADER_VALUE: {
    // Control characters are what the strict form forbids, hence the eslint exception.
    // eslint-disable-next-line no-control-regex
    strict: /^[^\0-\x08\n-\x1f\x7f]*$/,
    loose: /^[^\0\n\r]*$/,
  },
} as Record<string, { strict: RegExp; loose: RegExp }>;
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

/** Rules marked ignore_empty do not apply to an empty value (PGV). */
const isEmpty = (v: unknown) =>
  v === '' || v === 0 || v === '0' || (Array.isArray(v) && v.length === 0);

/** Repeated option values: protobufjs gives a lone value unwrapped. */
const list = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

const seconds = (d: { seconds?: number | string; nanos?: number } | undefined) =>
  Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;

/**
 * protoc-gen-validate's rules for one value (https://github.com/bufbuild/protoc-gen-validate):
 * the subset Envoy's API uses on scalars, wrappers, enums, durations, strings and messages.
 */
export function applyRules(
  rules: Rules,
  value: unknown,
  at: string,
  errors: string[],
  type?: protobuf.Type | protobuf.Enum,
): void {
  if (isEmpty(value) && Object.values(rules).some((r: Rules) => r?.ignore_empty)) return;
  for (const kind of NUMERIC) {
    if (rules[kind]) range(rules[kind], Number(value), String(value), at, errors);
  }
  if (rules.duration && typeof value === 'string') {
    range(
      {
        ...rules.duration,
        ...Object.fromEntries(
          ['gt', 'gte', 'lt', 'lte', 'const']
            .filter((k) => rules.duration[k] !== undefined)
            .map((k) => [k, seconds(rules.duration[k])]),
        ),
      },
      parseFloat(value),
      value,
      at,
      errors,
    );
  }
  if (rules.string && typeof value === 'string') {
    const r = rules.string;
    const len = [...value].length;
    const fail = (why: string) => errors.push(`${at}: "${value}" ${why}`);
    if (r.min_len !== undefined && len < r.min_len) fail(`is shorter than ${r.min_len}`);
    if (r.max_len !== undefined && len > r.max_len) fail(`is longer than ${r.max_len}`);
    if (r.len !== undefined && len !== r.len) fail(`is not ${r.len} characters long`);
    const bytes = Buffer.byteLength(value);
    if (r.min_bytes !== undefined && bytes < r.min_bytes) fail(`is under ${r.min_bytes} bytes`);
    if (r.max_bytes !== undefined && bytes > r.max_bytes) fail(`is over ${r.max_bytes} bytes`);
    if (r.prefix !== undefined && !value.startsWith(r.prefix)) fail(`must start with ${r.prefix}`);
    if (r.suffix !== undefined && !value.endsWith(r.suffix)) fail(`must end with ${r.suffix}`);
    if (r.contains !== undefined && !value.includes(r.contains)) fail(`must contain ${r.contains}`);
    if (list(r.in).length && !list(r.in).includes(value))
      fail(`is not one of ${list(r.in).join(', ')}`);
    if (list(r.not_in).includes(value)) fail('is not allowed');
    if (r.pattern !== undefined && !new RegExp(r.pattern, 'u').test(value))
      fail(`does not match ${r.pattern}`);
    const header = HEADER[r.well_known_regex];
    if (header && !(r.strict === false ? header.loose : header.strict).test(value))
      fail(`is no valid ${r.well_known_regex}`);
    if (r.hostname && !HOSTNAME.test(value)) fail('is no hostname');
    if (r.ip && !isIP(value)) fail('is no IP address');
    if (r.address && !isIP(value) && !HOSTNAME.test(value)) fail('is no IP address or hostname');
    if (r.uri && !URL.canParse(value)) fail('is no absolute URI');
  }
  if (rules.enum && type instanceof protobuf.Enum && typeof value === 'number') {
    const r = rules.enum;
    const name = Object.keys(type.values).find((k) => type.values[k] === value);
    if (r.const !== undefined && value !== r.const) errors.push(`${at}: must be ${r.const}`);
    if (list(r.in).length && !list(r.in).includes(value))
      errors.push(`${at}: ${name} is not allowed here`);
    if (list(r.not_in).includes(value)) errors.push(`${at}: ${name} is not allowed here`);
  }
  if (rules.bool?.const !== undefined && value !== rules.bool.const)
    errors.push(`${at}: must be ${rules.bool.const}`);
  if (rules.any && typeof value === 'object' && value !== null) {
    const url = (value as Record<string, unknown>)['@type'];
    if (list(rules.any.in).length && !list(rules.any.in).includes(url))
      errors.push(`${at}: @type ${String(url)} is not accepted here`);
    if (list(rules.any.not_in).includes(url))
      errors.push(`${at}: @type ${String(url)} is not accepted here`);
  }
}

/** gt/gte/lt/lte/const/in/not_in; a lower bound above the upper one means "outside the range". */
function range(r: Rules, v: number, shown: string, at: string, errors: string[]): void {
  const fail = (why: string) => errors.push(`${at}: ${shown} ${why}`);
  if (r.const !== undefined && v !== Number(r.const)) fail(`must be ${r.const}`);
  if (list(r.in).length && !list(r.in).map(Number).includes(v))
    fail(`is not one of ${list(r.in).join(', ')}`);
  if (list(r.not_in).map(Number).includes(v)) fail('is not allowed');
  const lower = r.gt ?? r.gte;
  const upper = r.lt ?? r.lte;
  const aboveLower =
    lower === undefined || (r.gt !== undefined ? v > Number(r.gt) : v >= Number(r.gte));
  const belowUpper =
    upper === undefined || (r.lt !== undefined ? v < Number(r.lt) : v <= Number(r.lte));
  const exclusive = lower !== undefined && upper !== undefined && Number(lower) > Number(upper);
  if (exclusive ? !(aboveLower || belowUpper) : !(aboveLower && belowUpper)) {
    const bounds = [
      r.gt !== undefined && `> ${r.gt}`,
      r.gte !== undefined && `≥ ${r.gte}`,
      r.lt !== undefined && `< ${r.lt}`,
      r.lte !== undefined && `≤ ${r.lte}`,
    ].filter(Boolean);
    fail(`is out of range (${bounds.join(exclusive ? ' or ' : ' and ')})`);
  }
}
