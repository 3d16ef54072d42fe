/**
 * The provider's registered clients, by id (their metadata is in provider.ts). Kept apart from
 * the provider so scripts and the BFF can name them without loading oidc-provider.
 */

/** The web front end's client: public (no secret), authorization code + PKCE, via the BFF. */
export const WEB_CLIENT_ID = 'flight-mesh-web';
/** Scripts acting for a user (scripts/dev-token.ts): public, native, code + PKCE. */
export const CLI_CLIENT_ID = 'flight-mesh-cli';
/** The loopback redirect the CLI client registers; nothing needs to listen there. */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';
/** A service client for automation: client_credentials, operator role. */
export const OPS_CLIENT_ID = 'flight-mesh-ops';
/** The claim that carries roles (RFC 9068 §2.2.3.1), in access tokens and ID tokens. */
export const ROLES_CLAIM = 'roles';
