import { createHash } from 'node:crypto';
/** An operational change to a timetabled flight. */
export type ChangeKind = 'RETIMED' | 'CANCELLED';

/** A dated flight as operations changed it: new times, or cancelled. `version` counts changes. */
export interface FlightOverride {
  flightId: string;
  departureDate: string;
  status: ChangeKind;
  departureUtc: Date;
  arrivalUtc: Date;
  version: number;
}

/** One entry of the change feed; `seq` is its cursor. */
export interface ScheduleEvent {
  seq: number;
  flightId: string;
  type: ChangeKind;
  reason: string;
  /** The flight after the change, as proto JSON. */
  flight: unknown;
  occurredAt: Date;
}

/** How far from its timetabled departure a flight may be moved, in hours. */
export const MAX_RETIME_HOURS = 72;

/** True when a new departure lies within MAX_RETIME_HOURS of the timetabled one, either way. */
export function withinRetimeReach(scheduledDeparture: Date, newDeparture: Date): boolean {
  const shiftHours = Math.abs(newDeparture.getTime() - scheduledDeparture.getTime()) / 3_600_000;
  return shiftHours <= MAX_RETIME_HOURS;
}

/** The times of a flight moved to depart at `departureUtc`: the block time stays the same. */
export function retimed(
  departureUtc: Date,
  durationMinutes: number,
): Pick<FlightOverride, 'status' | 'departureUtc' | 'arrivalUtc'> {
  return {
    status: 'RETIMED',
    departureUtc,
    arrivalUtc: new Date(departureUtc.getTime() + durationMinutes * 60_000),
  };
}

/**
 * What makes two retime or cancel requests the same request: a retry under one request id must
 * ask for the same change of the same flight (otherwise IDEMPOTENCY_CONFLICT; the id was the
 * only check, so another change under a used id answered 200 and changed nothing). For a
 * cancellation the departure is the flight's as it stood, so only kind, flight and reason count.
 * A sha256 hex digest.
 */
export function changeFingerprint(
  flightId: string,
  kind: ChangeKind,
  departureUtc: Date | null,
  reason: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify([flightId, kind, departureUtc?.toISOString() ?? null, reason]))
    .digest('hex');
}

/** A retime or cancellation request as the change feed keeps it: its id and what it asked for. */
export function changeRequest(
  requestId: string,
  flightId: string,
  kind: ChangeKind,
  departureUtc: Date | null,
  reason: string,
): { id: string; fingerprint: string } {
  return { id: requestId, fingerprint: changeFingerprint(flightId, kind, departureUtc, reason) };
}
