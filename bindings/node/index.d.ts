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
  /**
   * Judge every token's `cnf` binding (DPoP `jkt`, mTLS `x5t#S256`) against what each call
   * presents (`dpopJkt`, `certificateThumbprint`): a bound token without them fails with
   * proof_of_possession_required. Default false: judged only when a call presents one, so a
   * bound token otherwise passes as a bearer token.
   */
  checkBinding?: boolean;
  /** Accept DPoP-bound tokens only (implies checkBinding). */
  dpopRequired?: boolean;
}

export interface VerifyOptions {
  /** Validation time: Unix seconds or a Date. Default: now. */
  now?: number | Date;
  /** Return {header, payload} instead of the payload. */
  complete?: boolean;
  /** The `jkt` of the request's verified DPoP proof (verifyDpopProof): the token's `cnf.jkt` must equal it. */
  dpopJkt?: string;
  /** The x5t#S256 (base64url SHA-256 of the DER) of the request's client certificate: the token's `cnf["x5t#S256"]` must equal it. */
  certificateThumbprint?: string;
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
  | 'revoked'
  | 'invalid_dpop_proof'
  | 'dpop_proof_replayed'
  | 'use_dpop_nonce'
  | 'dpop_key_mismatch'
  | 'proof_of_possession_required'
  | 'certificate_mismatch';

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

/** The request a DPoP proof (RFC 9449) must match, and how it is checked. */
export interface DpopVerifyOptions {
  /** The request's HTTP method; `htm` must equal it (case-sensitive). */
  method: string;
  /** The request's absolute URL; `htu` must equal it after RFC 3986 normalisation (query and fragment ignored). */
  url: string;
  /** The access token sent with the proof (`Authorization: DPoP <token>`): `ath` must be its hash. Omit for a proof without a token. */
  accessToken?: string;
  /** The nonce the server expects; a proof without it fails with use_dpop_nonce. */
  nonce?: string;
  /** Verification time: Unix seconds or a Date. Default: now. */
  now?: number | Date;
  /** Allowed `alg` values; default every asymmetric algorithm. HMAC and 'none' are refused. */
  algorithms?: string | string[];
  /** How old `iat` may be, in whole seconds (0 to 86400). Default 60. */
  maxAge?: number;
  /** How far ahead `iat` may be, in whole seconds. Default 60. */
  maxFuture?: number;
  /** Clock skew added to both, in whole seconds. Default 0. */
  leeway?: number;
  /** Refuse a proof accepted before with this cache (dpop_proof_replayed). Only accepted proofs are remembered. */
  replayCache?: DpopReplayCache;
}

/** A verified DPoP proof. */
export interface DpopProof {
  /** The RFC 7638 thumbprint of the proof's key: compare with the token's `cnf.jkt`. */
  jkt: string;
  jti: string;
  /** Whole Unix seconds. */
  iat: number;
  alg: string;
  /** The proof's `nonce`, when it has one: for a server that judges its own nonces instead of passing `nonce`. */
  nonce?: string;
}

/**
 * Verifies a DPoP proof (the `DPoP` header) against its request. Throws a TokenError with
 * code invalid_dpop_proof, use_dpop_nonce or dpop_proof_replayed; a DpopReplayCacheFullError
 * when the replay cache is full.
 */
export function verifyDpopProof(proof: string, options: DpopVerifyOptions): DpopProof;

/** verifyDpopProof on the libuv thread pool: the same results, as a Promise, and the same errors, as rejections. */
export function verifyDpopProofAsync(proof: string, options: DpopVerifyOptions): Promise<DpopProof>;

/** Remembers accepted DPoP proofs (at most `capacity`) until they are too old to pass anyway. */
export class DpopReplayCache {
  constructor(capacity: number);
  /** Proofs remembered. */
  readonly size: number;
}

/** The replay cache is full of proofs still inside their window: the proof was refused. */
export class DpopReplayCacheFullError extends Error {
  name: 'DpopReplayCacheFullError';
  code: 'ERR_DPOP_REPLAY_CACHE_FULL';
}

/** The RFC 7638 SHA-256 thumbprint (base64url) of a public JWK (object or JSON text). */
export function jwkThumbprint(jwk: JWK | string): string;

/** A DPoP proof's `ath` for `token`: base64url(SHA-256(token)). */
export function accessTokenHash(token: string): string;
