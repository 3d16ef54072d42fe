/** `npm run build`: the compiled mesh in dist/js (see scripts/compiled.mjs). */
import { performance } from 'node:perf_hooks';
import { build, DIST } from './compiled.mjs';

const started = performance.now();
build();
process.stdout.write(`built ${DIST} in ${Math.round(performance.now() - started)} ms\n`);
