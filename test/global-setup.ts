import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startDateFor } from './support/dates.js';

/** `npm test` generates code first; this covers a bare `npx vitest` on a fresh clone. */
export default function setup(): void {
  // One test calendar for the whole run: workers start at different times, possibly either side
  // of midnight, and read it from here (test/support/dates.ts).
  process.env.TEST_START_DATE ||= startDateFor(Date.now());
  if (!existsSync(new URL('../gen/descriptors.binpb', import.meta.url))) {
    execFileSync('npm', ['run', 'generate'], { stdio: 'inherit' });
  }
}
