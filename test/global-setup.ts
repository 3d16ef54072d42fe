import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** `npm test` generates code first; this covers a bare `npx vitest` on a fresh clone. */
export default function setup(): void {
  if (!existsSync(new URL('../gen/descriptors.binpb', import.meta.url))) {
    execFileSync('npm', ['run', 'generate'], { stdio: 'inherit' });
  }
}
