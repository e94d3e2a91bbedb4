// tokenwarden: JWT validation for Node.js over the tokenwarden C++ core.
import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK, JWTHeaderParameters, JWTPayload } from './jose';

export { jwtVerify, createLocalJWKSet, createRemoteJWKSet, errors } from './jose';
export type { JSONWebKeySet, JWK, JWTHeaderParameters, JWTPayload, JWTVerifyOptions, JWTVerifyResult } from './jose';

/** Keys: a JWK Set (object or JSON), one JWK, a PEM public key, a KeyObject/CryptoKey, or HMAC secret bytes. */
export type Keys = JSONWebKeySet | JWK | string | KeyObject | CryptoKey | Uint8Array;

export interface VerifierOptions {
  jwks: Keys;
  /** Required `iss`, compared exactly. */
  issuer?: string;
  /** `aud` must contain one of these. */
  audience?: string | string[];
  /** Allowed algorithms; default: every algorithm the keys support. */
  algorithms?: string[];
  /** Clock skew allowed on exp/nbf/iat, in seconds (fractions count). */
  leeway?: number;
  /** Required `typ` header (e.g. 'at+jwt'), case-insensitive, "application/" optional. */
  typ?: string;
  /** Claims that must be present. */
  requiredClaims?: string[];
  /** Scopes that `scope` / `scp` must grant. */
  scopes?: string | string[];
  /** Verified-token cache entries; 0 turns the cache off. Default 16384. */
  cache?: number;
  /**
   * Return one deep-frozen payload object for every verify() of the same token (every call
   * is still judged by the core); skips JSON.parse on repeats. Default false: a fresh object.
   */
  sharedPayloads?: boolean;
  /** Longer tokens fail with token_too_large. Default 16384. */
  maxTokenBytes?: number;
  /** Reject tokens without exp (default true). */
  requireExp?: boolean;
  /** Apply the exp / nbf / iat time rules (default true). */
  checkExp?: boolean;
  checkNbf?: boolean;
  checkIat?: boolean;
}

export interface VerifyOptions {
  /** Validation time: Unix seconds or a Date. Default: now. */
  now?: number | Date;
  /** Return {header, payload} instead of the payload. */
  complete?: boolean;
}

export interface CompleteResult<P = JWTPayload> {
  header: JWTHeaderParameters;
  payload: P & JWTPayload;
}

export type ErrorCode =
  | 'malformed'
  | 'token_too_large'
  | 'unsupported_algorithm'
  | 'algorithm_not_allowed'
  | 'unsupported_critical_header'
  | 'key_not_found'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_type'
  | 'invalid_nonce'
  | 'invalid_at_hash'
  | 'missing_claim'
  | 'insufficient_scope'
  | 'too_old'
  | 'revoked';

export const ERROR_CODES: readonly ErrorCode[];

export class TokenError extends Error {
  name: 'TokenError';
  /** Stable code, e.g. 'expired'. */
  code: ErrorCode;
  /** The rule that failed, e.g. 'must hold: now < exp + leeway'. */
  detail: string;
  /** The missing claim of a missing_claim failure. */
  claim?: string;
}

export class Verifier {
  constructor(options: VerifierOptions);
  verify<P = JWTPayload>(token: string, options?: VerifyOptions & { complete?: false }): P & JWTPayload;
  verify<P = JWTPayload>(token: string, options: VerifyOptions & { complete: true }): CompleteResult<P>;
  verifyAsync<P = JWTPayload>(token: string, options?: VerifyOptions & { complete?: false }): Promise<P & JWTPayload>;
  verifyAsync<P = JWTPayload>(token: string, options: VerifyOptions & { complete: true }): Promise<CompleteResult<P>>;
  updateKeys(jwks: Keys): void;
  revoke(token: string, options?: { now?: number | Date }): boolean;
}
