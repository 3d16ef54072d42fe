import { describe, expect, it } from 'vitest';
import { portOffsetProblem } from './port-offset.js';

const PORTS = { BFF: 3000, 'identity provider': 3001, 'Consul UI': 8500 };

describe('MESH_PORT_OFFSET', () => {
  it('takes an integer from 0 to 10000 that leaves the browser-facing ports openable', () => {
    for (const ok of ['0', '100', '2000', '7000', '10000'])
      expect(portOffsetProblem(ok, PORTS)).toBeUndefined();
  });

  it('refuses what is not such an integer, saying what it got', () => {
    for (const bad of ['-1', '1.5', 'abc', '', '10001', '0x10'])
      expect(portOffsetProblem(bad, PORTS)).toContain('expected an integer from 0 to 10000');
  });

  it('refuses an offset that puts the BFF or the identity provider on a port browsers block', () => {
    expect(portOffsetProblem('3000', PORTS)).toBe(
      "MESH_PORT_OFFSET=3000 puts the BFF on port 6000, which browsers and fetch() refuse to open (the Fetch standard's blocked ports): choose another offset",
    );
    expect(portOffsetProblem('7080', PORTS)).toContain('the BFF on port 10080');
    expect(portOffsetProblem('2999', PORTS)).toContain('the identity provider on port 6000');
    expect(portOffsetProblem('3665', PORTS)).toContain('port 6665');
  });

  it('refuses an offset that puts the mesh’s own Consul UI on a blocked port', () => {
    expect(portOffsetProblem('1580', PORTS)).toContain('the Consul UI on port 10080');
  });

  it("refuses an offset that puts them on one of a default Consul agent's ports (another mesh's)", () => {
    expect(portOffsetProblem('5500', PORTS)).toBe(
      "MESH_PORT_OFFSET=5500 puts the BFF on port 8500, which Consul's agent uses: choose another offset",
    );
    expect(portOffsetProblem('5599', PORTS)).toContain('the identity provider on port 8600');
  });

  it('agrees with what Node’s own fetch refuses', async () => {
    await expect(fetch('http://127.0.0.1:6000/')).rejects.toThrow();
    const cause = await fetch('http://127.0.0.1:6000/').catch((e: Error) => e.cause);
    expect(String(cause)).toMatch(/bad port/i);
  });
});
