/** The services of the mesh: names, default ports and the variables that point at them. */
export const MESH = {
  schedule: { port: 50051, addrEnv: 'SCHEDULE_ADDR', fullName: 'flights.v1.ScheduleService' },
  pricing: { port: 50052, addrEnv: 'PRICING_ADDR', fullName: 'flights.v1.PricingService' },
  search: { port: 50053, addrEnv: 'SEARCH_ADDR', fullName: 'flights.v1.SearchService' },
  booking: { port: 50054, addrEnv: 'BOOKING_ADDR', fullName: 'flights.v1.BookingService' },
} as const;

export type ServiceName = keyof typeof MESH;
export const BFF_PORT = 3000;
