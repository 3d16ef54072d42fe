/**
 * Every call pricing makes to another service, typed, in one place. Failures come back the
 * platform way (platform/peers.ts): PeerUnavailable (UNAVAILABLE, DEPENDENCY_UNAVAILABLE) when
 * schedule could not answer, schedule's own error relayed when it answered "no".
 */
import { ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { dependencyUnavailable } from '../../flights/errors.js';
import type { ServiceName } from '../../flights/mesh.js';
import { callPeer } from '../../platform/peers.js';
import type { Runtime } from '../../platform/runtime.js';
import type { CallContext } from '../../platform/server.js';
import type { FlightFacts } from './domain/itinerary.js';
import { factsOf } from './mapping.js';

export interface SchedulePeer {
  /**
   * The facts (distance, times, status, seats per cabin) of these flights now, from schedule's
   * GetAvailability, within the incoming call's deadline and cancelled with it.
   */
  flightFacts(flightIds: string[], parent: CallContext): Promise<FlightFacts[]>;
}

export interface PricingPeers {
  schedule: SchedulePeer;
}

/** @param deadlineMs deadline of a call to schedule (the caller's own wins when sooner). */
export function pricingPeers(
  client: Runtime<Record<string, never>, ServiceName>['client'],
  deadlineMs: number,
): PricingPeers {
  const schedule = client('schedule', ScheduleServiceService, { defaultDeadlineMs: deadlineMs });
  return {
    schedule: {
      async flightFacts(flightIds, parent) {
        const { flights } = await callPeer(
          () => schedule.getAvailability({ flightIds }, { parent }),
          dependencyUnavailable('schedule is unavailable; cannot check seats, try again'),
        );
        return flights.map(factsOf);
      },
    },
  };
}
