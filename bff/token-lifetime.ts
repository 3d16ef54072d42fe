/**
 * How long a bearer token may be believed. A token must say when it expires (`exp`); it may live
 * at most JWT_MAX_LIFETIME_S, and clocks may disagree by JWT_CLOCK_SKEW_S. A token without
 * `exp` would be good forever: one leaked would never stop working.
 */
import { errors, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** Seconds; a day covers the identity service's access tokens and the 12 h development ones. */
export const DEFAULT_MAX_LIFETIME_S = 24 * 60 * 60;
/** Seconds two honest clocks may differ by. */
export const DEFAULT_CLOCK_SKEW_S = 60;

export interface TokenLifetimeConfig {
  /** The longest a token may be valid for, from `iat` (or from now, without one); seconds. */
  JWT_MAX_LIFETIME_S?: number | undefined;
  /** Clock-skew allowance on `exp`, `nbf` and `iat`; seconds. */
  JWT_CLOCK_SKEW_S?: number | undefined;
}

/** jose's share: `exp` required and checked (so are `nbf` and the claims' types), with the skew. */
export const lifetimeVerifyOptions = (config: TokenLifetimeConfig) =>
  ({
    requiredClaims: ['exp'],
    clockTolerance: config.JWT_CLOCK_SKEW_S ?? DEFAULT_CLOCK_SKEW_S,
  }) satisfies JWTVerifyOptions;

const invalid = (payload: JWTPayload, claim: string, message: string) =>
  new errors.JWTClaimValidationFailed(message, payload, claim, 'check_failed');

/**
 * What jose leaves unchecked (it looks at `iat` only when asked for a maximum age, and never
 * compares claims with each other): the lifetime is bounded, `iat` is not in the future, and
 * `nbf` comes before `exp`. Call after jose verified the token. `nowS`: seconds since the epoch.
 *
 * @throws jose's JWTClaimValidationFailed naming the claim, like jose's own checks.
 */
export function checkTokenLifetime(
  payload: JWTPayload,
  config: TokenLifetimeConfig,
  nowS = Date.now() / 1000,
): void {
  const maxS = config.JWT_MAX_LIFETIME_S ?? DEFAULT_MAX_LIFETIME_S;
  const skewS = config.JWT_CLOCK_SKEW_S ?? DEFAULT_CLOCK_SKEW_S;
  const { exp, iat, nbf } = payload as { exp: number; iat?: number; nbf?: number };
  if (iat !== undefined) {
    if (iat > nowS + skewS)
      throw invalid(payload, 'iat', '"iat" claim is in the future: the token is not issued yet');
    if (exp <= iat) throw invalid(payload, 'exp', '"exp" claim is not after "iat"');
    if (exp - iat > maxS)
      throw invalid(payload, 'exp', `"exp" claim is more than ${maxS} s after "iat"`);
  }
  if (exp - nowS > maxS + skewS)
    throw invalid(payload, 'exp', `"exp" claim is more than ${maxS} s from now`);
  if (nbf !== undefined && nbf >= exp)
    throw invalid(payload, 'nbf', '"nbf" claim is not before "exp": the token is never valid');
}
