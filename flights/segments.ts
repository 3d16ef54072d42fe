import type { Flight, FlightSegment } from '../gen/ts/flights/v1/common.js';

/**
 * A dated flight as it appears inside an itinerary, quote or booking: the fields a
 * FlightSegment shares with a Flight (carrier name, status, cabins and version are left out).
 */
export function segmentOf(f: Flight): FlightSegment {
  return {
    flightId: f.flightId,
    carrierCode: f.carrierCode,
    flightNumber: f.flightNumber,
    origin: f.origin,
    destination: f.destination,
    departureTime: f.departureTime,
    arrivalTime: f.arrivalTime,
    departureLocal: f.departureLocal,
    arrivalLocal: f.arrivalLocal,
    durationMinutes: f.durationMinutes,
    distanceKm: f.distanceKm,
    aircraftCode: f.aircraftCode,
  };
}
