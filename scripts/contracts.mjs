/**
 * The contract code (gen/), regenerated only when proto/ changed since it was made: buf takes
 * seconds, and most starts change no contract. `npm start` runs this first, on its own, because
 * the launcher itself imports gen/ (a fresh clone has none: gen/ is not committed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashTree, ROOT } from './compiled.mjs';

const stamp = path.join(ROOT, 'gen', '.proto-hash');
const hash = hashTree(['proto', 'buf.yaml', 'buf.gen.yaml']);
// `--stamp`: gen/ was just generated (npm run generate): record what it was made from, so the
// next `npm start` does not generate it again.
if (process.argv.includes('--stamp')) writeFileSync(stamp, `${hash}\n`);
else if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== hash) {
  process.stdout.write('contracts changed: regenerating gen/\n');
  const generate = spawnSync('npm', ['run', '-s', 'generate'], { cwd: ROOT, stdio: 'inherit' });
  // `npm run generate` stamps gen/ itself (--stamp above).
  if (generate.status !== 0) process.exit(generate.status ?? 1);
}
