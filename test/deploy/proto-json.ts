import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ROOT } from '../support/processes.js';

/**
 * A strict checker of proto3 JSON/YAML against message types, the way Envoy reads its config:
 * unknown fields, unknown enum values, malformed durations and unresolvable `@type`s are
 * errors. protobufjs's own fromObject is lenient (it drops unknown fields), hence this walker.
 */
const XDS_DEPS = path.join(ROOT, 'node_modules/@grpc/grpc-js-xds/deps');
const INCLUDES = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(XDS_DEPS, d)),
  path.join(ROOT, 'node_modules/protobufjs'), // google/protobuf/descriptor.proto
];

export function loadEnvoyProtos(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && existsSync(target)) return target;
    for (const dir of INCLUDES) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const INT = /^-?\d+$/;

export function checkMessage(
  root: protobuf.Root,
  type: protobuf.Type,
  value: unknown,
  at: string,
  errors: string[],
): void {
  const full = type.fullName.replace(/^\./, '');
  switch (full) {
    case 'google.protobuf.Duration':
      if (typeof value !== 'string' || !DURATION.test(value))
        errors.push(`${at}: "${String(value)}" is not a duration like "1.5s"`);
      return;
    case 'google.protobuf.Struct':
    case 'google.protobuf.Value':
    case 'google.protobuf.ListValue':
      return;
    case 'google.protobuf.Any':
      return checkAny(root, value, at, errors);
    case 'google.protobuf.BoolValue':
      return checkScalar('bool', value, at, errors);
    case 'google.protobuf.StringValue':
      return checkScalar('string', value, at, errors);
    case 'google.protobuf.DoubleValue':
    case 'google.protobuf.FloatValue':
      return checkScalar('double', value, at, errors);
    case 'google.protobuf.UInt32Value':
    case 'google.protobuf.UInt64Value':
      return checkScalar('uint64', value, at, errors);
    case 'google.protobuf.Int32Value':
    case 'google.protobuf.Int64Value':
      return checkScalar('int64', value, at, errors);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${at}: expected an object for ${full}`);
    return;
  }
  const oneofsSet = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const field =
      type.fields[key] ??
      Object.values(type.fields).find((f) => f.options?.json_name === key || camel(f.name) === key);
    if (!field) {
      errors.push(`${at}.${key}: no such field in ${full}`);
      continue;
    }
    if (field.partOf) {
      const other = oneofsSet.get(field.partOf.name);
      if (other)
        errors.push(
          `${at}: ${other} and ${key} are both set, but they are one of ${field.partOf.name}`,
        );
      oneofsSet.set(field.partOf.name, key);
    }
    checkField(root, field, v, `${at}.${key}`, errors);
  }
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function checkField(
  root: protobuf.Root,
  field: protobuf.Field,
  value: unknown,
  at: string,
  errors: string[],
): void {
  if (field instanceof protobuf.MapField) {
    if (typeof value !== 'object' || value === null)
      return void errors.push(`${at}: expected a map`);
    for (const [k, v] of Object.entries(value)) checkSingle(root, field, v, `${at}.${k}`, errors);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return void errors.push(`${at}: expected a list`);
    value.forEach((v, i) => checkSingle(root, field, v, `${at}[${i}]`, errors));
    return;
  }
  checkSingle(root, field, value, at, errors);
}

function checkSingle(
  root: protobuf.Root,
  field: protobuf.Field,
  value: unknown,
  at: string,
  errors: string[],
): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const ok =
      typeof value === 'number'
        ? Object.values(resolved.values).includes(value)
        : typeof value === 'string' && value in resolved.values;
    if (!ok)
      errors.push(
        `${at}: "${String(value)}" is not a value of ${resolved.fullName.slice(1)} (${Object.keys(resolved.values).join(', ')})`,
      );
    return;
  }
  if (resolved instanceof protobuf.Type) return checkMessage(root, resolved, value, at, errors);
  checkScalar(field.type, value, at, errors);
}

/** A proto3 JSON scalar: 64-bit integers may be decimal strings, bytes are base64 strings. */
function checkScalar(type: string, value: unknown, at: string, errors: string[]): void {
  switch (type) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') errors.push(`${at}: expected a string`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean`);
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') errors.push(`${at}: expected a number`);
      return;
    default:
      if (
        !(typeof value === 'number' && Number.isInteger(value)) &&
        !(typeof value === 'string' && INT.test(value))
      )
        errors.push(`${at}: expected an integer`);
      else if (type.startsWith('u') && Number(value) < 0)
        errors.push(`${at}: must not be negative`);
  }
}

function checkAny(root: protobuf.Root, value: unknown, at: string, errors: string[]): void {
  const typeUrl = (value as Record<string, unknown> | null)?.['@type'];
  if (typeof typeUrl !== 'string') return void errors.push(`${at}: an Any needs "@type"`);
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  let type: protobuf.Type;
  try {
    type = root.lookupType(name);
  } catch {
    return void errors.push(`${at}: unknown @type ${name} (not among the loaded Envoy extensions)`);
  }
  const { ['@type']: _drop, ...rest } = value as Record<string, unknown>;
  checkMessage(root, type, rest, at, errors);
}
