import { describe, expect, it } from 'vitest';
import { commonEnv, ConfigError, loadConfig } from './config.js';
import { targetFor } from './discovery.js';
import { addressEnv } from './mesh.js';

/** A mesh of two services, as its vocabulary module would describe it. */
const services = {
  orders: { port: 50061, addrEnv: 'ORDERS_ADDR', fullName: 'example.v1.OrderService' },
  stock: { port: 50062, addrEnv: 'STOCK_ADDR', fullName: 'example.v1.StockService' },
} as const;

describe('config', () => {
  const shape = { ...commonEnv(50061), ...addressEnv(services) };

  it('applies the documented defaults', () => {
    const c = loadConfig(shape, {});
    expect(c).toMatchObject({
      PORT: 50061,
      LOG_LEVEL: 'info',
      ORDERS_ADDR: '127.0.0.1:50061',
      STOCK_ADDR: '127.0.0.1:50062',
    });
    expect(c.CONSUL_HTTP_ADDR).toBeUndefined();
    expect(targetFor('stock', c.STOCK_ADDR, c.CONSUL_HTTP_ADDR)).toBe('dns:///127.0.0.1:50062');
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
        STOCK_ADDR: 'nowhere',
      });
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'CONSUL_HTTP_ADDR', 'STOCK_ADDR'])
        expect(message).toContain(name);
    }
  });

  it('accepts Consul addresses with or without a scheme and static address lists', () => {
    expect(loadConfig(shape, { CONSUL_HTTP_ADDR: '127.0.0.1:8500' }).CONSUL_HTTP_ADDR).toBe(
      'http://127.0.0.1:8500',
    );
    const c = loadConfig(shape, {
      CONSUL_HTTP_ADDR: 'http://consul:8500',
      STOCK_ADDR: '10.0.0.1:1,10.0.0.2:2',
    });
    expect(targetFor('stock', c.STOCK_ADDR, c.CONSUL_HTTP_ADDR)).toBe('consul:///stock');
    expect(targetFor('stock', c.STOCK_ADDR, undefined)).toBe('ipv4:10.0.0.1:1,10.0.0.2:2');
  });
});
