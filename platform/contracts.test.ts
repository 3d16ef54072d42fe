import { describe, expect, it } from 'vitest';
import { retryableMethods } from './contracts.js';
import { serviceConfig } from './clients.js';

describe('contracts', () => {
  it('reads which methods may be retried from the idempotency levels in the protos', () => {
    const methods = retryableMethods('flights.v1.ScheduleService');
    expect(methods).toEqual(
      expect.arrayContaining(['GetFlight', 'ListFlights', 'HoldSeats', 'ConfirmHold']),
    );
    const config = serviceConfig('flights.v1.ScheduleService') as {
      methodConfig: Array<{ name: unknown[]; retryPolicy: { retryableStatusCodes: string[] } }>;
    };
    expect(config.methodConfig[0]!.name).toHaveLength(methods.length);
    expect(config.methodConfig[0]!.retryPolicy.retryableStatusCodes).toEqual(['UNAVAILABLE']);
  });
});
