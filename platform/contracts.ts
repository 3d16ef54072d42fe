import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorSetSchema,
  MethodOptions_IdempotencyLevel,
  type FileDescriptorSet,
} from '@bufbuild/protobuf/wkt';
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The descriptor set `buf build` makes from proto/ (npm run generate). Reflection serves it, and
 * the client factory reads each method's idempotency_level from it to decide what may be retried.
 * proto-loader's own loading of .proto files is avoided on purpose: the map-entry names it makes
 * for health.proto are rejected by grpcurl.
 */
const DESCRIPTORS = fileURLToPath(new URL('../gen/descriptors.binpb', import.meta.url));

let cached: PackageDefinition | undefined;

export function contracts(): PackageDefinition {
  cached ??= loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTORS), {
    longs: Number,
    enums: String,
    defaults: true,
  });
  return cached;
}

let descriptorSet: FileDescriptorSet | undefined;

/**
 * Methods of a service marked idempotent or side-effect free in the contract. Read with
 * @bufbuild/protobuf because proto-loader does not carry method options over from descriptor sets.
 */
export function retryableMethods(serviceFullName: string): string[] {
  descriptorSet ??= fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTORS));
  for (const file of descriptorSet.file) {
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
