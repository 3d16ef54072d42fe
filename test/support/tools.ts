import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-tools.sh', import.meta.url));

/** Path of consul, grpcurl, ghz or promtool: found on PATH or built once into the tools cache. */
export function toolPath(name: 'consul' | 'grpcurl' | 'ghz' | 'promtool'): string {
  const out = execFileSync('bash', [SCRIPT, name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`ensure-tools.sh did not report ${name}`);
  return line.slice(name.length + 1);
}
