/**
 * The grpc-js target for a service: through Consul when an agent is configured, otherwise the
 * static address list (comma-separated host:port for several instances).
 *
 * @param service the name it registers under in Consul, e.g. "schedule"
 * @param addresses its static addresses, "host:port[,host:port…]"
 * @param consulAddress the Consul agent (CONSUL_HTTP_ADDR), if any
 */
export function targetFor(
  service: string,
  addresses: string,
  consulAddress: string | undefined,
): string {
  if (consulAddress) return `consul:///${service}`;
  const list = addresses
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (list.length === 1) return `dns:///${list[0]}`;
  return `ipv4:${list.join(',')}`;
}
