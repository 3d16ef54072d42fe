import type { Metadata } from '@grpc/grpc-js';

/**
 * The header Envoy's gRPC listener sets from a verified token's subject (envoy/envoy.yaml:
 * jwt_authn `claim_to_headers`, after stripping any the client sent).
 */
export const CUSTOMER_ID_HEADER = 'x-customer-id';

/**
 * The customer a booking call acts for: the token's subject when the call came in through
 * Envoy (the header), never the request body then; else the request's `customer_id`, which
 * callers inside the mesh set (the BFF, after verifying the bearer token itself).
 */
export function actingCustomer(requested: string, metadata: Metadata): string {
  const [fromEdge] = metadata.get(CUSTOMER_ID_HEADER);
  return typeof fromEdge === 'string' && fromEdge !== '' ? fromEdge : requested;
}
