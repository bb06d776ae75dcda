/** Identity: bearer JWTs, API keys, and what the listeners need (401/403, RFC 9728 metadata, stdio). */
export { ANONYMOUS, type AuthResult } from './types.js';
export { createJwtVerifier, claimsToPrincipal, tokenScopes, type JwtConfig, type JwtVerifier, type JwtVerifierOptions } from './jwt.js';
export { createApiKey, verifyApiKey, listApiKeys, revokeApiKey, memoryApiKeyStore, looksLikeApiKey, parseExpiry, type ApiKeyStore, type CreatedKey } from './apikeys.js';
export {
  authenticateRequest,
  createAuthenticator,
  wwwAuthenticate,
  authErrorResponse,
  protectedResourceMetadata,
  resourceUrl,
  resourceMetadataUrl,
  resourceMetadataPaths,
  assertAuthNoneAllowed,
  isLoopbackHost,
  stdioPrincipal,
  type Authenticator,
  type AuthenticateOptions,
  type HeaderBag,
} from './http.js';
