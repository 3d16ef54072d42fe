/** gRPC server reflection (what grpcurl's list and describe read), built on first use. */
import type * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { reflectionDefinition } from './contracts.js';

/** The methods @grpc/reflection serves: v1, and v1alpha for older clients. */
const REFLECTION_METHODS = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

/**
 * Registers server reflection for `services` on `server`, built on its first call: building it
 * parses every contract file into protobufjs roots (two, v1 and v1alpha) and the reflection
 * .proto files twice, ~1 s of CPU on a loaded machine and ~7 MB of resident memory that a
 * process nobody inspects with grpcurl never needs. The methods are registered at once (no call
 * finds them missing) through grpc-js's `register`, with handler and codecs taken from the
 * real service when first used.
 */
export function addLazyReflection(server: grpc.Server, services: string[]): void {
  type Method = {
    definition: grpc.MethodDefinition<unknown, unknown>;
    handler: grpc.handleBidiStreamingCall<unknown, unknown>;
  };
  let methods: Map<string, Method> | undefined;
  const method = (path: string): Method => {
    if (!methods) {
      const built = new Map<string, Method>();
      // A stand-in server that only records what the reflection service adds to it.
      const recorder = {
        addService(service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
          for (const [name, definition] of Object.entries(service))
            built.set(definition.path, {
              definition: definition as Method['definition'],
              handler: (impl[name] ?? impl[definition.originalName ?? name]) as Method['handler'],
            });
        },
      };
      new ReflectionService(reflectionDefinition(), { services }).addToServer(
        recorder as unknown as grpc.Server,
      );
      methods = built;
    }
    const found = methods.get(path);
    if (!found) throw new Error(`@grpc/reflection did not define ${path}`);
    return found;
  };
  for (const path of REFLECTION_METHODS)
    server.register<unknown, unknown>(
      path,
      (call: grpc.ServerDuplexStream<unknown, unknown>) => method(path).handler(call),
      (response) => method(path).definition.responseSerialize(response),
      (request) => method(path).definition.requestDeserialize(request),
      'bidi',
    );
}
