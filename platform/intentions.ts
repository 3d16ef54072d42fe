/** One allowed call in a mesh: `source` may call `destination`. */
export interface AllowedCall {
  source: string;
  destination: string;
}

/**
 * Writes the mesh's intentions to Consul as `service-intentions` config entries: every
 * destination allows exactly the sources listed, and a wildcard entry denies everything else
 * (the agent's default is allow in dev mode, so deny must be said). Idempotent: the entries are
 * replaced wholesale, so running it again puts back intentions an operator changed.
 *
 * @param consulAddress the agent, "http://host:port"
 * @throws Error naming the entry Consul refused
 */
export async function writeIntentions(
  consulAddress: string,
  allowed: readonly AllowedCall[],
): Promise<void> {
  const destinations = [...new Set(allowed.map((a) => a.destination))];
  const entries = [
    {
      Kind: 'service-intentions',
      Name: '*',
      Sources: [{ Name: '*', Action: 'deny', Description: 'deny unless the mesh needs it' }],
    },
    ...destinations.map((destination) => ({
      Kind: 'service-intentions',
      Name: destination,
      Sources: allowed
        .filter((a) => a.destination === destination)
        .map((a) => ({ Name: a.source, Action: 'allow' })),
    })),
  ];
  for (const entry of entries) {
    const res = await fetch(`${consulAddress}/v1/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entry),
    });
    if (!res.ok)
      throw new Error(
        `consul refused intentions for ${entry.Name}: ${res.status} ${await res.text()}`,
      );
  }
}
