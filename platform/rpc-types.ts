/** The shape of a ts-proto grpc-js method definition, as the platform needs it. */
export interface MethodDef<Req = unknown, Res = unknown> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: Req) => Buffer;
  requestDeserialize: (value: Buffer) => Req;
  responseSerialize: (value: Res) => Buffer;
  responseDeserialize: (value: Buffer) => Res;
}

// Each method has its own request and response types; RequestOf/ResponseOf recover them per method.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceDef = Record<string, MethodDef<any, any>>;

export type RequestOf<M> = M extends { requestDeserialize: (value: Buffer) => infer R } ? R : never;
export type ResponseOf<M> = M extends { responseDeserialize: (value: Buffer) => infer R }
  ? R
  : never;

/** "/package.v1.Service/Method" → "package.v1.Service", from the first method's path. */
export function serviceNameOf(definition: ServiceDef): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('empty service definition');
  return first.path.split('/')[1] ?? '';
}
