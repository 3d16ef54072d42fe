/**
 * When two flights make a connection: one rule that search (what it offers) and pricing (what it
 * quotes) both apply, so a quote cannot be made for a journey search would never show — a
 * six-day "connection", or a 10-minute change at Heathrow. Pure, on instants.
 */
import { z } from 'zod';

const MINUTE_MS = 60_000;

export interface ConnectionRules {
  /** Minimum connection time at an airport (IATA code), in minutes. */
  minConnectionMinutes(airport: string): number;
  /** Longest wait between two flights, in minutes. */
  maxLayoverMinutes: number;
}

/** The connection rules every service that checks itineraries reads (same values on each). */
export const connectionEnv = {
  /** Minimum connection time where HUB_MCT names none, in minutes. */
  MIN_CONNECTION_MINUTES: z.coerce.number().int().min(0).default(60),
  /** Longest layover, in minutes. */
  MAX_LAYOVER_MINUTES: z.coerce
    .number()
    .int()
    .min(30)
    .default(24 * 60),
};

/**
 * Minimum connection times of big hubs (terminal changes, immigration); elsewhere the default.
 * Values in the range airlines publish for international-to-international connections.
 */
export const HUB_MCT: Readonly<Record<string, number>> = {
  LHR: 90,
  JFK: 90,
  CDG: 90,
  LAX: 90,
  NRT: 90,
  FRA: 75,
  DXB: 75,
  IST: 75,
  ORD: 60,
  ATL: 60,
  AMS: 60,
  SIN: 60,
  HND: 60,
  ICN: 60,
  HKG: 60,
  MUC: 45,
  ZRH: 40,
};

export function defaultRules(
  defaultMct = 60,
  maxLayoverMinutes = 24 * 60,
  perAirport: Readonly<Record<string, number>> = HUB_MCT,
): ConnectionRules {
  return { minConnectionMinutes: (a) => perAirport[a] ?? defaultMct, maxLayoverMinutes };
}

/** One flight of a connection as the rule needs it: which, where and when (epoch ms, UTC). */
export interface ConnectingFlight {
  flightId: string;
  origin: string;
  destination: string;
  departureMs: number;
  arrivalMs: number;
}

/**
 * Why `next` does not connect from `prev` under `rules`, in words for a field error; undefined
 * when it does: it leaves from where `prev` landed, at least the airport's minimum connection
 * time after the landing and at most the longest layover.
 */
export function connectionProblem(
  prev: ConnectingFlight,
  next: ConnectingFlight,
  rules: ConnectionRules,
): string | undefined {
  if (prev.destination !== next.origin)
    return `${prev.flightId} lands at ${prev.destination}, ${next.flightId} leaves ${next.origin}`;
  const waitMinutes = Math.floor((next.departureMs - prev.arrivalMs) / MINUTE_MS);
  if (waitMinutes < 0) return `${next.flightId} leaves before ${prev.flightId} lands`;
  const min = rules.minConnectionMinutes(prev.destination);
  if (waitMinutes < min)
    return `${next.flightId} leaves ${waitMinutes} minutes after ${prev.flightId} lands at ${prev.destination}, where a connection takes at least ${min}`;
  if (waitMinutes > rules.maxLayoverMinutes)
    return `${next.flightId} leaves ${waitMinutes} minutes after ${prev.flightId} lands, more than the longest layover (${rules.maxLayoverMinutes} minutes)`;
  return undefined;
}
