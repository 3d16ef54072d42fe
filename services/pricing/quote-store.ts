import { LRUCache } from 'lru-cache';
import type { Database } from '../../platform/db.js';
import type { Price } from './domain/fare-model.js';

/** What a quote locks in: the itinerary as priced, for whom, and at what price. */
export interface QuoteBody {
  flightIds: string[];
  /** FlightSegment JSON as returned to clients, kept so a quote is readable without schedule. */
  segments: unknown[];
  passengers: { adults: number; children: number; infants: number };
  cabin: string;
  price: Price;
}

export interface QuoteRecord {
  quoteId: string;
  requestId: string | null;
  fingerprint: string;
  body: QuoteBody;
  createdAt: Date;
  expiresAt: Date;
}

interface Row {
  quote_id: string;
  request_id: string | null;
  request_fingerprint: string;
  body: QuoteBody;
  created_at: Date;
  expires_at: Date;
}

const toRecord = (r: Row): QuoteRecord => ({
  quoteId: r.quote_id,
  requestId: r.request_id,
  fingerprint: r.request_fingerprint,
  body: r.body,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
});

/**
 * Quotes in SQL (`migrations.ts`). A quote never changes once saved, so every quote this
 * instance saved or read is kept in memory until it expires (at most `memorySize` of them) and
 * read from there, on either store and with any number of instances: a booking's ConfirmQuote,
 * which usually follows its CreateQuote within seconds, costs no statement.
 */
export class QuoteStore {
  private readonly memory: LRUCache<string, QuoteRecord>;

  constructor(
    private readonly db: Database,
    /** Quotes kept in memory. */
    memorySize = 5_000,
  ) {
    this.memory = new LRUCache({ max: memorySize });
  }

  private remember(q: QuoteRecord): QuoteRecord {
    const ttl = q.expiresAt.getTime() - Date.now();
    if (ttl > 0) this.memory.set(q.quoteId, q, { ttl });
    return q;
  }

  /**
   * Saves a quote, or returns the one already saved under the same request id (the caller
   * compares fingerprints to tell a retry from a conflicting reuse of the id).
   */
  async insert(q: QuoteRecord): Promise<QuoteRecord> {
    const inserted = await this.db.query<Row>(
      `INSERT INTO quotes (quote_id, request_id, request_fingerprint, body, total_minor, currency, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (request_id) DO NOTHING
       RETURNING *`,
      [
        q.quoteId,
        q.requestId,
        q.fingerprint,
        JSON.stringify(q.body),
        q.body.price.total,
        q.body.price.currency,
        q.createdAt,
        q.expiresAt,
      ],
    );
    if (inserted[0]) return this.remember(toRecord(inserted[0]));
    const existing = await this.db.query<Row>('SELECT * FROM quotes WHERE request_id = $1', [
      q.requestId,
    ]);
    return this.remember(toRecord(existing[0]!));
  }

  /** The quote, from memory when this instance saved or read it before it expired. */
  async get(quoteId: string): Promise<QuoteRecord | null> {
    const kept = this.memory.get(quoteId);
    if (kept) return kept;
    const rows = await this.db.query<Row>('SELECT * FROM quotes WHERE quote_id = $1', [quoteId]);
    return rows[0] ? this.remember(toRecord(rows[0])) : null;
  }

  async byRequestId(requestId: string): Promise<QuoteRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM quotes WHERE request_id = $1', [
      requestId,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }
}
