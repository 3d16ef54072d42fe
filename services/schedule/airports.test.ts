import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Airport } from '../../gen/ts/flights/v1/common.js';
import {
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
  type StoreKind,
} from '../../test/support/schedule.js';

describe.each<StoreKind>(['postgres', 'embedded'])('airports over gRPC (%s store)', (store) => {
  let s: ScheduleFixture;
  beforeAll(async () => {
    s = await startSchedule(store);
  });
  afterAll(() => s?.stop());

  const list = (query: string, pageSize = 100, pageToken = '') =>
    s.client.listAirports({ query, pageSize, pageToken });
  const codes = (airports: Airport[]) => airports.map((a) => a.iataCode);

  it('finds an airport by city or name as people type it: any case, accents or normal form', async () => {
    for (const q of ['São Paulo', 'Sa\u0303o Paulo', 'sao paulo', 'SÃO PAULO', '  são   paulo ']) {
      expect(codes((await list(q)).airports), q).toEqual(['GRU']);
    }
    // Names with accents and dashes: "Zürich Airport", "Adolfo Suárez Madrid–Barajas Airport".
    expect(codes((await list('zurich airport')).airports)).toEqual(['ZRH']);
    expect(codes((await list('ZU\u0308RICH')).airports)).toEqual(['ZRH']);
    expect(codes((await list('suarez madrid barajas')).airports)).toEqual(['MAD']);
    expect(codes((await list('Suárez')).airports)).toEqual(['MAD']);
  });

  it('ranks the exact code first, then cities, then names', async () => {
    // "del": DEL by code; "mad": MAD by code; "fiumicino": only a name matches.
    expect(codes((await list('DEL')).airports)[0]).toBe('DEL');
    expect(codes((await list('mad')).airports)[0]).toBe('MAD');
    expect(codes((await list('fiumicino')).airports)).toEqual(['FCO']);
  });

  it('gives every airport a real IANA zone, DOH and IST among them', async () => {
    const { airports } = await list('', 100);
    expect(airports.length).toBeGreaterThan(0);
    for (const a of airports) {
      expect(
        () => new Intl.DateTimeFormat('en', { timeZone: a.timeZone }),
        a.iataCode,
      ).not.toThrow();
      expect(a.timeZone, a.iataCode).not.toMatch(/^UTC[+-]/);
    }
    expect((await s.client.getAirport({ iataCode: 'DOH' })).airport!.timeZone).toBe('Asia/Qatar');
    expect((await s.client.getAirport({ iataCode: 'IST' })).airport!.timeZone).toBe(
      'Europe/Istanbul',
    );
  });

  it('pages with opaque keyset tokens: every airport once, in order', async () => {
    const all = codes((await list('', 100)).airports);
    const paged: string[] = [];
    let token = '';
    do {
      const page = await list('', 7, token);
      expect(page.airports.length).toBeLessThanOrEqual(7);
      paged.push(...codes(page.airports));
      token = page.nextPageToken;
      // Opaque: not an offset a client could compute or edit.
      if (token) expect(token).not.toMatch(/^\d+$/);
    } while (token);
    expect(paged).toEqual(all);
    // The same query typed in NFC or NFD is the same list: its tokens work for both.
    const first = await list('A\u0308', 1);
    expect(first.nextPageToken).not.toBe('');
    const next = await list('ä', 1, first.nextPageToken);
    expect(codes(next.airports)).toEqual(codes((await list('a', 2)).airports).slice(1));
  });

  it('refuses a malformed, forged, foreign or old-style page token naming page_token', async () => {
    const { nextPageToken } = await list('', 5);
    const [payload, mac] = nextPageToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ r: 0, c: 'ZZZ' })).toString('base64url');
    const bad = [
      'not a token',
      '20', // an offset, as tokens used to be
      `${forgedPayload}.${mac}`, // another key under a copied signature
      `${payload}.${mac!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, // signature altered
      `${payload}`,
      'x'.repeat(600),
    ];
    for (const token of bad) {
      const d = await failure(list('', 5, token));
      expect(d.code, token).toBe(status.INVALID_ARGUMENT);
      expectInvalidField(d, 'page_token');
    }
    // A token is bound to its query: the next page of "" is no page of "paris".
    expectInvalidField(await failure(list('paris', 5, nextPageToken)), 'page_token');
    // Still serving after all of it.
    expect((await list('', 5, nextPageToken)).airports).toHaveLength(5);
  });
});
