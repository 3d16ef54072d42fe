/**
 * The baseline: a bare grpc-js server answering GetFlight with a fixed response (the same
 * payload the real service returns), with no validation, logging, tracing or database.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { GetFlightResponse, ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';

const response = GetFlightResponse.fromJSON(
  JSON.parse(readFileSync(process.env.RESPONSE_FILE!, 'utf8')),
);
const server = new grpc.Server();
server.addService(ScheduleServiceService as unknown as grpc.ServiceDefinition, {
  getFlight: (_call: unknown, callback: grpc.sendUnaryData<GetFlightResponse>) =>
    callback(null, response),
});
server.bindAsync(`127.0.0.1:${process.env.PORT}`, grpc.ServerCredentials.createInsecure(), () => {
  process.stdout.write('bare server listening\n');
});
