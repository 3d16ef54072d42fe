import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { GRANT_TYPES, tokensIssued } from './metrics.js';
import {
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  OPS_CLIENT_ID,
  ROLES_CLAIM,
  WEB_CLIENT_ID,
} from './clients.js';
import { API_RESOURCE, type IdentityConfig } from './config.js';
import type { ProviderSecrets } from './keys.js';
import { ROLES, type Role, type UserDirectory } from './users.js';

const isRoleList = (v: unknown): v is Role[] =>
  Array.isArray(v) && v.every((r) => (ROLES as readonly unknown[]).includes(r));

/**
 * The oidc-provider configuration: who the clients are, how users are found, and what goes in
 * a token. Access tokens are JWTs (RFC 9068, `typ: at+jwt`) for one resource, the mesh's API
 * (`aud` = API_RESOURCE), carrying `roles`; they live ACCESS_TOKEN_TTL_SECONDS.
 */
export function providerConfiguration(
  config: IdentityConfig,
  secrets: ProviderSecrets,
  users: UserDirectory,
): Configuration {
  const ttl = config.ACCESS_TOKEN_TTL_SECONDS;
  return {
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        client_name: 'Flight Mesh web',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: config.WEB_REDIRECT_URIS,
        post_logout_redirect_uris: config.WEB_POST_LOGOUT_REDIRECT_URIS,
      },
      {
        client_id: CLI_CLIENT_ID,
        client_name: 'Flight Mesh command line',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [CLI_REDIRECT_URI],
      },
      {
        client_id: OPS_CLIENT_ID,
        client_name: 'Flight Mesh operations automation',
        client_secret: secrets.opsClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        roles: ['operator'],
      },
    ],
    // Clients may carry the roles their client_credentials tokens get.
    extraClientMetadata: {
      properties: ['roles'],
      validator(_ctx, key, value) {
        if (key === 'roles' && value !== undefined && !isRoleList(value))
          throw new errors.InvalidClientMetadata(`roles must be a subset of ${ROLES.join(', ')}`);
      },
    },
    async findAccount(_ctx, sub) {
      const user = users.find(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          name: user.name,
          email: user.email,
          email_verified: true,
          [ROLES_CLAIM]: [...user.roles],
        }),
      };
    },
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
      [ROLES_CLAIM]: [ROLES_CLAIM],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', ROLES_CLAIM],
    async extraTokenClaims(ctx, token) {
      if (token.kind === 'ClientCredentials') {
        const roles = ctx.oidc.client?.metadata().roles;
        return { [ROLES_CLAIM]: isRoleList(roles) ? roles : [] };
      }
      const user = token.accountId ? users.find(token.accountId) : undefined;
      return { [ROLES_CLAIM]: user ? [...user.roles] : [] };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource gets a token for the mesh's API.
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource) {
          if (resource !== API_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: API_RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The code flow only: no tokens through the browser's address bar.
    responseTypes: ['code'],
    // Every client here is public or does not use the code flow: PKCE for all code flows.
    pkce: { required: () => true },
    // Nobody calls the provider from a browser script: the BFF exchanges codes server-side.
    clientBasedCORS: () => false,
    jwks: secrets.jwks as Configuration['jwks'],
    cookies: {
      keys: secrets.cookieKeys,
      // Cookies are not port-scoped: names the BFF on the same host will not reuse.
      names: {
        session: 'idp_session',
        interaction: 'idp_interaction',
        resume: 'idp_interaction_resume',
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      AuthorizationCode: 60,
      IdToken: ttl,
      Interaction: 10 * 60,
      Session: 8 * 60 * 60,
      Grant: 8 * 60 * 60,
      RefreshToken: 8 * 60 * 60,
    },
  };
}

/** Builds the provider; `log` gets the errors it would otherwise swallow. */
export function createProvider(
  issuer: string,
  configuration: Configuration,
  onServerError: (ctx: KoaContextWithOIDC, err: Error) => void,
): Provider {
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', onServerError);
  // After the token endpoint answered with tokens, whatever the grant.
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grant = String(ctx.oidc.params?.grant_type ?? 'unknown');
    tokensIssued.add(1, {
      grant: (GRANT_TYPES as readonly string[]).includes(grant) ? grant : 'other',
    });
  });
  return provider;
}
