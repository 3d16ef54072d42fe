import net from 'node:net';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import {
  SearchServiceService,
  SortOrder,
  type Itinerary,
  type SearchItinerariesRequest,
} from '../../gen/ts/flights/v1/search.js';
import {
  createSearchService,
  type SearchInternals,
  type searchEnv,
} from '../../services/search/service.js';
import { TEST_START_DATE } from './schedule.js';
import { startTestService, type ServiceFixture } from './services.js';
import { testDate } from './dates.js';

export type SearchFixture = ServiceFixture<typeof searchEnv, typeof SearchServiceService> & {
  internals: SearchInternals;
};

/**
 * A real search service over the given schedule and pricing, returned once its whole window is
 * loaded (10 days from TEST_START_DATE unless env says otherwise); `now` moves its clock.
 */
export async function startSearch(
  peers: { schedule: string; pricing: string },
  env: Record<string, string> = {},
  options: { now?: () => number } = {},
): Promise<SearchFixture> {
  const internals: SearchInternals = {};
  const service = createSearchService(internals, options);
  const fixture = await startTestService(service, SearchServiceService, {
    store: 'embedded',
    env: {
      SCHEDULE_ADDR: peers.schedule,
      PRICING_ADDR: peers.pricing,
      SEARCH_START_DATE: TEST_START_DATE,
      SEARCH_DAYS: '10',
      ...env,
    },
  });
  const until = Date.now() + 120_000;
  while (!internals.model?.stats.loads && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  if (!internals.model?.stats.loads) {
    await fixture.stop();
    throw new Error('search never loaded the schedule');
  }
  await internals.model.whenFullyLoaded();
  return { ...fixture, internals };
}

export interface TcpProxy {
  /** host:port to point a client at. */
  address: string;
  /** Where new connections go from now on. */
  target: string;
  /** Cuts every open connection (both ways), as a network failure or a restarted peer would. */
  dropConnections(): void;
  /** While true, new connections are refused at once. */
  refusing: boolean;
  close(): Promise<void>;
}

/**
 * A TCP proxy between a service and its peer, for tests of how the service rides out a dropped
 * connection (a change feed that must resume from its cursor) or a peer replaced by another.
 */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const proxy: TcpProxy = {
    address: '',
    target,
    refusing: false,
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        proxy.dropConnections();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    track(client);
    if (proxy.refusing) return client.destroy();
    const [host, port] = [
      proxy.target.slice(0, proxy.target.lastIndexOf(':')),
      Number(proxy.target.slice(proxy.target.lastIndexOf(':') + 1)),
    ];
    const upstream = net.connect(port, host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}

/** A search from JFK to LHR on testDate(2) (one adult, economy, ≤ 1 stop, by price, 50), as changed. */
export const searchRequest = (
  over: Partial<SearchItinerariesRequest> = {},
): SearchItinerariesRequest => ({
  origin: 'JFK',
  destination: 'LHR',
  departureDate: testDate(2),
  passengers: { adults: 1, children: 0, infants: 0 },
  cabin: Cabin.CABIN_ECONOMY,
  maxStops: 1,
  sort: SortOrder.SORT_ORDER_PRICE,
  maxResults: 50,
  ...over,
});

/** Every flight id of the itineraries, in order. */
export const flightIds = (its: Itinerary[]) =>
  its.map((i) => i.segments.map((s) => s.flightId)).flat();
