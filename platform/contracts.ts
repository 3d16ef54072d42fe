import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  MethodOptions_IdempotencyLevel,
  type FileDescriptorSet,
} from '@bufbuild/protobuf/wkt';
import type { PackageDefinition } from '@grpc/proto-loader';

/**
 * The descriptor set `buf build` makes from proto/ (npm run generate). Reflection serves it, and
 * the client factory reads each method's idempotency_level from it to decide what may be retried.
 */
const DESCRIPTORS = fileURLToPath(new URL('../gen/descriptors.binpb', import.meta.url));

let descriptorSet: FileDescriptorSet | undefined;
const descriptors = () =>
  (descriptorSet ??= fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTORS)));

/**
 * What @grpc/reflection needs: every file of the contracts, encoded exactly as buf built it.
 * Not proto-loader's package definition: it re-serialises descriptors with types moved between
 * files, dependencies dropped and relative type names, which grpcurl cannot resolve
 * ("cannot resolve type *.google.protobuf.Timestamp"); its own .proto loading also gives
 * map-entry names grpcurl rejects.
 */
export function reflectionDefinition(): PackageDefinition {
  const fileDescriptorProtos = descriptors().file.map((f) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, f)),
  );
  // Reflection only reads fileDescriptorProtos from the entries, so one entry carries all files.
  return {
    contracts: {
      format: 'Protocol Buffer 3 DescriptorProto',
      type: {},
      fileDescriptorProtos,
    },
  } as unknown as PackageDefinition;
}

/**
 * Methods of a service marked idempotent or side-effect free in the contract
 * (`option idempotency_level`), read from the descriptor set.
 */
export function retryableMethods(serviceFullName: string): string[] {
  for (const file of descriptors().file) {
    for (const service of file.service) {
      if (`${file.package}.${service.name}` !== serviceFullName) continue;
      return service.method
        .filter((m) =>
          [
            MethodOptions_IdempotencyLevel.IDEMPOTENT,
            MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
          ].includes(
            m.options?.idempotencyLevel ?? MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN,
          ),
        )
        .map((m) => m.name);
    }
  }
  throw new Error(`unknown service ${serviceFullName}`);
}
