import { BFF_PORT } from '../flights/mesh.js';
import { IDENTITY_PORT } from '../identity/config.js';

/**
 * Ports a browser and fetch() refuse to connect to: the Fetch standard's "bad ports"
 * (https://fetch.spec.whatwg.org/#port-blocking), as Chromium, Firefox and Node's fetch apply
 * them. Written out here because no maintained package exports the list (undici keeps it
 * internal).
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/** The ports a local Consul agent listens on (server RPC, Serf LAN/WAN, HTTP, gRPC, gRPC TLS, DNS). */
const CONSUL_PORTS = new Set([8300, 8301, 8302, 8500, 8502, 8503, 8600]);

/**
 * Why MESH_PORT_OFFSET cannot be `raw`, or undefined when it can: an integer from 0 to 10000
 * that puts none of the ports people open in a browser (`browserPorts`, by name: the BFF's, the
 * identity provider's and Consul's UI, before the offset) on a port browsers refuse, nor the
 * BFF's or identity's on one of a default Consul agent's (the gRPC and metrics ports, from 9451
 * and 50051 up, cannot reach either). MESH_PORT_OFFSET=3000
 * put the BFF on 6000: the mesh never came up (the launcher's own fetch of /healthz was refused)
 * and no browser could have opened it.
 */
export function portOffsetProblem(
  raw: string,
  browserPorts: Record<string, number>,
): string | undefined {
  const offset = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || offset > 10_000)
    return `MESH_PORT_OFFSET: expected an integer from 0 to 10000, got "${raw}"`;
  for (const [name, port] of Object.entries(browserPorts)) {
    // Another mesh's agent (one without an offset) holds Consul's own ports; this mesh's agent
    // is shifted like the rest, so its UI is checked against the blocked ports only.
    if (!CONSUL_PORTS.has(port) && CONSUL_PORTS.has(port + offset))
      return `MESH_PORT_OFFSET=${offset} puts the ${name} on port ${port + offset}, which Consul's agent uses: choose another offset`;
    if (BAD_PORTS.has(port + offset))
      return (
        `MESH_PORT_OFFSET=${offset} puts the ${name} on port ${port + offset}, which browsers and ` +
        `fetch() refuse to open (the Fetch standard's blocked ports): choose another offset`
      );
  }
  return undefined;
}

/** The ports of a mesh people open in a browser, before the offset (see portOffsetProblem). */
export const MESH_BROWSER_PORTS = {
  BFF: BFF_PORT,
  'identity provider': IDENTITY_PORT,
  'Consul UI': 8500,
};

/**
 * MESH_PORT_OFFSET as `npm start` and dev-token read it (unset or empty: 0): `{ offset }`, or
 * `{ problem }` in portOffsetProblem's words, for the caller to print before exiting 2.
 */
export function meshPortOffset(
  raw: string | undefined,
): { offset: number; problem?: undefined } | { problem: string } {
  const value = raw?.trim() ? raw : '0';
  const problem = portOffsetProblem(value, MESH_BROWSER_PORTS);
  return problem ? { problem } : { offset: Number(value) };
}
