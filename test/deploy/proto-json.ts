import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ROOT } from '../support/processes.js';
import { applyRules, type Rules } from './pgv-rules.js';

/**
 * A strict checker of proto3 JSON/YAML against message types, the way Envoy reads its config:
 * unknown fields, unknown enum values, malformed durations, two members of one oneof and
 * `@type`s that are no message of the API are errors, and so is anything the fields'
 * protoc-gen-validate rules refuse (required fields, min_len, gt/lte ranges, min_items, …),
 * which Envoy enforces when it loads a config. Fields and enum values marked deprecated are
 * errors too: Envoy only warns about them, but a config written today has no need of them.
 * protobufjs's own fromObject is lenient (it drops unknown fields), hence this walker.
 *
 * The protos are Envoy's own API as @grpc/grpc-js-xds ships it. Any `@type` is resolved
 * through an index of every message in that tree and its file loaded on first use, so no
 * hand-kept list of extensions can hide an unknown or misspelt one.
 */
const XDS_DEPS = path.join(ROOT, 'node_modules/@grpc/grpc-js-xds/deps');
const INCLUDES = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(XDS_DEPS, d)),
  path.join(ROOT, 'node_modules/protobufjs'), // google/protobuf/descriptor.proto
];

/** Durations as proto3 JSON writes them: seconds with up to nine decimals and an "s". */
const DURATION = /^\d+(\.\d{1,9})?s$/;
const INT = /^-?\d+$/;

/** Full name of each top-level message → the .proto file (relative to its include dir) declaring it. */
function indexMessages(): Map<string, string> {
  const index = new Map<string, string>();
  for (const dir of INCLUDES.slice(0, 2)) {
    for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
      if (!rel.endsWith('.proto')) continue;
      const text = readFileSync(path.join(dir, rel), 'utf8');
      const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)?.[1];
      if (!pkg) continue;
      for (const [, name] of text.matchAll(/^message\s+(\w+)/gm)) index.set(`${pkg}.${name}`, rel);
    }
  }
  return index;
}

export class ProtoJsonChecker {
  readonly root = new protobuf.Root();
  private index: Map<string, string> | undefined;

  /** `files`: the .proto files of the entry types, relative to the include dirs. */
  constructor(files: string[]) {
    this.root.resolvePath = (_origin, target) => {
      if (path.isAbsolute(target) && existsSync(target)) return target;
      for (const dir of INCLUDES) {
        const candidate = path.join(dir, target);
        if (existsSync(candidate)) return candidate;
      }
      return target;
    };
    this.load(files);
  }

  private load(files: string[]): void {
    this.root.loadSync(files, { keepCase: true });
    this.root.resolveAll();
  }

  /** The message type with this full name, loading its file from the API tree if need be. */
  lookup(name: string): protobuf.Type | undefined {
    const found = () => {
      try {
        return this.root.lookupType(name);
      } catch {
        return undefined;
      }
    };
    let type = found();
    if (type) return type;
    const file = (this.index ??= indexMessages()).get(name);
    if (!file) return undefined;
    this.load([file]);
    type = found();
    return type;
  }

  /** Every problem with `value` read as the message `typeName`; empty when Envoy would accept it. */
  check(typeName: string, value: unknown, at = '$'): string[] {
    const type = this.lookup(typeName);
    if (!type) return [`${at}: unknown message type ${typeName}`];
    const errors: string[] = [];
    this.message(type, value, at, errors);
    return errors;
  }

  private message(type: protobuf.Type, value: unknown, at: string, errors: string[]): void {
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
        return this.any(value, at, errors);
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
    const present = new Set<protobuf.Field>();
    const oneofsSet = new Map<string, string>();
    for (const [key, v] of Object.entries(value)) {
      const field =
        type.fields[key] ??
        Object.values(type.fields).find(
          (f) => f.options?.json_name === key || camel(f.name) === key,
        );
      if (!field) {
        errors.push(`${at}.${key}: no such field in ${full}`);
        continue;
      }
      present.add(field);
      if (field.options?.deprecated)
        errors.push(`${at}.${key}: deprecated field of ${full} (Envoy warns; leave it out)`);
      if (field.partOf) {
        const other = oneofsSet.get(field.partOf.name);
        if (other)
          errors.push(
            `${at}: ${other} and ${key} are both set, but they are one of ${field.partOf.name}`,
          );
        oneofsSet.set(field.partOf.name, key);
      }
      this.field(field, v, `${at}.${key}`, errors);
    }
    // What is absent is checked too: required messages, required oneofs, and scalar rules,
    // which protoc-gen-validate applies to a proto3 field's default value (min_len: 1 on an
    // absent string fails, as Envoy reports it).
    for (const oneof of type.oneofsArray) {
      if (oneof.options?.['(validate.required)'] && !oneofsSet.has(oneof.name))
        errors.push(`${at}: one of ${oneof.oneof.join(', ')} is required`);
    }
    for (const field of type.fieldsArray) {
      if (present.has(field) || field.partOf) continue;
      const rules = rulesOf(field);
      if (!rules) continue;
      const where = `${at}.${field.name}`;
      if (rules.message?.required || rules.duration?.required || rules.any?.required) {
        errors.push(`${where}: required`);
      } else if (field instanceof protobuf.MapField) {
        if (rules.map?.min_pairs > 0)
          errors.push(`${where}: at least ${rules.map.min_pairs} entries`);
      } else if (field.repeated) {
        if (rules.repeated?.min_items > 0 && !rules.repeated.ignore_empty)
          errors.push(`${where}: at least ${rules.repeated.min_items} items`);
      } else if (!field.resolvedType || field.resolvedType instanceof protobuf.Enum) {
        const zero = field.resolvedType
          ? 0
          : field.type === 'string' || field.type === 'bytes'
            ? ''
            : field.type === 'bool'
              ? false
              : 0;
        applyRules(rules, zero, where, errors, field.resolvedType ?? undefined);
      }
    }
  }

  private field(field: protobuf.Field, value: unknown, at: string, errors: string[]): void {
    const rules = rulesOf(field);
    if (field instanceof protobuf.MapField) {
      if (typeof value !== 'object' || value === null)
        return void errors.push(`${at}: expected a map`);
      const entries = Object.entries(value);
      if (rules?.map) {
        const { min_pairs: min, max_pairs: max } = rules.map;
        if (min !== undefined && entries.length < min)
          errors.push(`${at}: at least ${min} entries`);
        if (max !== undefined && entries.length > max) errors.push(`${at}: at most ${max} entries`);
      }
      for (const [k, v] of entries) this.single(field, v, `${at}.${k}`, errors, rules?.map?.values);
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) return void errors.push(`${at}: expected a list`);
      if (rules?.repeated && !(rules.repeated.ignore_empty && value.length === 0)) {
        const { min_items: min, max_items: max, unique } = rules.repeated;
        if (min !== undefined && value.length < min) errors.push(`${at}: at least ${min} items`);
        if (max !== undefined && value.length > max) errors.push(`${at}: at most ${max} items`);
        const shown = value.map((v) => JSON.stringify(v));
        if (unique && new Set(shown).size !== shown.length)
          errors.push(`${at}: items must be unique`);
      }
      value.forEach((v, i) => this.single(field, v, `${at}[${i}]`, errors, rules?.repeated?.items));
      return;
    }
    this.single(field, value, at, errors, rules);
  }

  private single(
    field: protobuf.Field,
    value: unknown,
    at: string,
    errors: string[],
    rules: Rules | undefined,
  ): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      const name =
        typeof value === 'number'
          ? Object.keys(resolved.values).find((k) => resolved.values[k] === value)
          : typeof value === 'string' && value in resolved.values
            ? value
            : undefined;
      if (name === undefined)
        return void errors.push(
          `${at}: "${String(value)}" is not a value of ${resolved.fullName.slice(1)} (${Object.keys(resolved.values).join(', ')})`,
        );
      if (resolved.valuesOptions?.[name]?.deprecated)
        errors.push(`${at}: ${name} is a deprecated value of ${resolved.fullName.slice(1)}`);
      if (rules) applyRules(rules, resolved.values[name]!, at, errors, resolved);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      const before = errors.length;
      this.message(resolved, value, at, errors);
      if (rules && errors.length === before) applyRules(rules, value, at, errors, resolved);
      return;
    }
    const before = errors.length;
    checkScalar(field.type, value, at, errors);
    if (rules && errors.length === before) applyRules(rules, value, at, errors);
  }

  private any(value: unknown, at: string, errors: string[]): void {
    const typeUrl = (value as Record<string, unknown> | null)?.['@type'];
    if (typeof typeUrl !== 'string') return void errors.push(`${at}: an Any needs "@type"`);
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const type = this.lookup(name);
    if (!type)
      return void errors.push(`${at}: unknown @type ${name} (no such message in Envoy's API)`);
    const { ['@type']: _drop, ...rest } = value as Record<string, unknown>;
    this.message(type, rest, at, errors);
  }
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The field's `(validate.rules)` option, as protobufjs parsed it. */
function rulesOf(field: protobuf.Field): Rules | undefined {
  const parsed = field.parsedOptions as Rules[] | undefined;
  return parsed?.find((o) => '(validate.rules)' in o)?.['(validate.rules)'];
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
