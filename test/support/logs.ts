import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/**
 * A pino logger whose lines a test can read, each parsed from the JSON pino writes. `L` is the
 * shape the test reads (fields it looks at); nothing checks it.
 */
export function capturingLogger<L = Record<string, unknown>>(
  level = 'info',
): { log: Logger; lines: L[] } {
  const lines: L[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as L);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}
