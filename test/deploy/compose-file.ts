/**
 * docker-compose.yml and the Dockerfile as the deploy tests read them, and the one parser of
 * published ports they share.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/processes.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
export const compose = parse(read('docker-compose.yml'), { merge: true }) as Json;
export const services = compose.services as Record<string, Json>;
export const dockerfile = read('Dockerfile');

/** Published ports, short syntax `[ip:]host[:container][/protocol]` or the long one. */
export function published(
  s: Json,
): { ip: string; host: string; container: string; protocol: string }[] {
  return ((s.ports ?? []) as (string | Json)[]).map((p) => {
    if (typeof p === 'object')
      return {
        ip: p.host_ip ?? '0.0.0.0',
        host: String(p.published),
        container: String(p.target),
        protocol: p.protocol ?? 'tcp',
      };
    const [spec, protocol = 'tcp'] = p.split('/') as [string, string?];
    const parts = spec.split(':');
    const container = parts.pop()!;
    const host = parts.pop() ?? container;
    return { ip: parts.pop() ?? '0.0.0.0', host, container, protocol };
  });
}
