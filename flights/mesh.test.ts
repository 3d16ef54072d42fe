import { describe, expect, it } from 'vitest';
import { commonEnv, loadConfig } from '../platform/config.js';
import { MESH, peerEnv, targetFor } from './mesh.js';

describe('flight mesh', () => {
  const shape = { ...commonEnv(MESH.schedule.port), ...peerEnv };

  it('points at every service on 127.0.0.1 and its documented port by default', () => {
    const c = loadConfig(shape, {});
    expect(c).toMatchObject({
      PORT: 50051,
      SCHEDULE_ADDR: '127.0.0.1:50051',
      PRICING_ADDR: '127.0.0.1:50052',
      SEARCH_ADDR: '127.0.0.1:50053',
      BOOKING_ADDR: '127.0.0.1:50054',
    });
    expect(targetFor('schedule', c)).toBe('dns:///127.0.0.1:50051');
  });

  it('finds services through Consul when an agent is configured, else by static lists', () => {
    const c = loadConfig(shape, {
      CONSUL_HTTP_ADDR: 'http://consul:8500',
      SEARCH_ADDR: '10.0.0.1:1,10.0.0.2:2',
    });
    expect(targetFor('search', c)).toBe('consul:///search');
    expect(targetFor('search', { ...c, CONSUL_HTTP_ADDR: undefined })).toBe(
      'ipv4:10.0.0.1:1,10.0.0.2:2',
    );
  });
});
