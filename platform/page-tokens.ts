import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { invalidField } from './errors.js';

/** The request field a page token arrives in (AIP-158's name). */
export const PAGE_TOKEN_FIELD = 'page_token';

/** Longer tokens are refused before any work: a key is a few short values. */
const MAX_TOKEN_LENGTH = 512;
const MAC_BYTES = 16;

/**
 * Opaque page tokens for keyset pagination: a token carries the key of the last item of the
 * page it ends (not an offset, so items added or removed meanwhile neither repeat nor go
 * missing), is bound to the list and query it was issued for (its scope), and is signed so the
 * service only ever reads keys it wrote itself.
 *
 * A token is `base64url(JSON of the key) "." base64url(HMAC-SHA256(secret, scope, payload))`,
 * the MAC cut to 128 bits. Every instance of a service must share the secret for a token from
 * one to be read by another. Hand-written because it is a dozen lines of node:crypto; a JWT
 * library would add a header and algorithm negotiation that nobody here needs.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  /** A token for the page after the item whose key is `key`, in the list named by `scope`. */
  issue(scope: string, key: unknown): string {
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${this.mac(scope, payload).toString('base64url')}`;
  }

  /**
   * The key a token of `scope` carries, checked against `keySchema`; undefined for "" (the
   * first page). Anything else — not a token, altered, issued for another list or query, or a
   * key this list cannot have — is INVALID_ARGUMENT naming `field` (default page_token).
   */
  read<K>(
    scope: string,
    token: string,
    keySchema: z.ZodType<K>,
    field = PAGE_TOKEN_FIELD,
  ): K | undefined {
    if (token === '') return undefined;
    const refuse = (why: string) => invalidField(field, why);
    const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
    const [payload, mac] = parts;
    if (parts.length !== 2 || !payload || !mac || !/^[\w-]+$/.test(payload + mac))
      throw refuse('is not a page token: pass the next_page_token of a previous page, or ""');
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(scope, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw refuse('was not issued by this service for this list and query');
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw refuse('is not a page token this service issued');
    }
    const parsed = keySchema.safeParse(key);
    // Signed by us, yet not a key of this list: a token from an older version of the service.
    if (!parsed.success) throw refuse('is no longer valid: start again from the first page');
    return parsed.data;
  }

  private mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.secret)
      .update(scope)
      .update('\n')
      .update(payload)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
