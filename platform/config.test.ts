import { describe, expect, it } from 'vitest';
import { commonEnv, ConfigError, loadConfig, peerEnv } from './config.js';
import { targetFor } from './discovery.js';

describe('config', () => {
  const shape = { ...commonEnv(50051), ...peerEnv };

  it('applies the documented defaults', () => {
    const c = loadConfig(shape, {});
    expect(c).toMatchObject({
      PORT: 50051,
      LOG_LEVEL: 'info',
      SCHEDULE_ADDR: '127.0.0.1:50051',
      BOOKING_ADDR: '127.0.0.1:50054',
    });
    expect(c.CONSUL_HTTP_ADDR).toBeUndefined();
    expect(targetFor('schedule', c)).toBe('dns:///127.0.0.1:50051');
  });

  it('names each bad variable in one message', () => {
    expect(() =>
      loadConfig(shape, { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
    ).toThrowError(ConfigError);
    try {
      loadConfig(shape, {
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        CONSUL_HTTP_ADDR: 'consul:abc',
      });
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'CONSUL_HTTP_ADDR'])
        expect(message).toContain(name);
    }
  });

  it('accepts Consul addresses with or without a scheme and static address lists', () => {
    expect(loadConfig(shape, { CONSUL_HTTP_ADDR: '127.0.0.1:8500' }).CONSUL_HTTP_ADDR).toBe(
      'http://127.0.0.1:8500',
    );
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
