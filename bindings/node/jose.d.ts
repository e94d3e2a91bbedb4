// tokenwarden/jose: jose-shaped verification over the tokenwarden core.
import type { KeyObject } from 'node:crypto';

export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  jti?: string;
  nbf?: number;
  exp?: number;
  iat?: number;
  [propName: string]: unknown;
}

export interface JWTHeaderParameters {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  [propName: string]: unknown;
}

export interface JWK {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  [propName: string]: unknown;
}

export interface JSONWebKeySet {
  keys: JWK[];
}

/** A key-set function (jose's GetKeyFunction shape); ours is verified without being called. */
export interface LocalJWKSet {
  (protectedHeader: JWTHeaderParameters, token?: unknown): Promise<KeyObject>;
  jwks(): JSONWebKeySet;
}

export type KeyFunction = (protectedHeader: JWTHeaderParameters, token: unknown) => unknown;

export type VerifyKey =
  | JSONWebKeySet
  | JWK
  | LocalJWKSet
  | KeyObject
  | CryptoKey
  | Uint8Array
  | string
  | KeyFunction;

export interface JWTVerifyOptions {
  issuer?: string | string[];
  audience?: string | string[];
  algorithms?: string[];
  /** Seconds (fractions count, as in jose), or a period such as '30s' or '5m'. */
  clockTolerance?: string | number;
  typ?: string;
  requiredClaims?: string[];
  /** Checked against iat after verification (seconds or a period). */
  maxTokenAge?: string | number;
  subject?: string;
  currentDate?: Date;
}

export interface JWTVerifyResult<P = JWTPayload> {
  payload: P & JWTPayload;
  protectedHeader: JWTHeaderParameters;
  /** Present when `key` was a key function other than createLocalJWKSet's. */
  key?: unknown;
}

export function jwtVerify<P = JWTPayload>(
  jwt: string | Uint8Array,
  key: VerifyKey,
  options?: JWTVerifyOptions,
): Promise<JWTVerifyResult<P>>;

export function createLocalJWKSet(jwks: JSONWebKeySet): LocalJWKSet;

export interface RemoteJWKSetOptions {
  /** Milliseconds before a fetch fails with JWKSTimeout (default 5000). */
  timeoutDuration?: number;
  /** Least milliseconds between two fetches (default 30000). */
  cooldownDuration?: number;
  /** Milliseconds a fetched set is used before it is fetched again (default 600000). */
  cacheMaxAge?: number;
  headers?: Record<string, string>;
  agent?: unknown;
  /** tokenwarden's own: fetch an http: URL too. Only https: is fetched otherwise. */
  allowInsecureHttp?: boolean;
}

export interface RemoteJWKSet {
  (protectedHeader: JWTHeaderParameters, token?: unknown): Promise<KeyObject>;
  readonly coolingDown: boolean;
  readonly fresh: boolean;
  readonly reloading: boolean;
  reload(): Promise<void>;
  jwks(): JSONWebKeySet | undefined;
}

/** Throws TypeError for a URL whose scheme is not https: (or http: with allowInsecureHttp). */
export function createRemoteJWKSet(url: URL | string, options?: RemoteJWKSetOptions): RemoteJWKSet;

export class JOSEError extends Error {
  static code: string;
  code: string;
  /** The tokenwarden core's stable error code, e.g. 'expired'. */
  twCode?: string;
  /** The core's rule that failed. */
  twDetail?: string;
}
export class JWTClaimValidationFailed extends JOSEError {
  claim: string;
  reason: string;
  payload: JWTPayload | undefined;
}
export class JWTExpired extends JOSEError {
  claim: string;
  reason: string;
  payload: JWTPayload | undefined;
}
export class JWTInvalid extends JOSEError {}
export class JWSInvalid extends JOSEError {}
export class JWSSignatureVerificationFailed extends JOSEError {}
export class JOSEAlgNotAllowed extends JOSEError {}
export class JOSENotSupported extends JOSEError {}
export class JWKInvalid extends JOSEError {}
export class JWKSInvalid extends JOSEError {}
export class JWKSMultipleMatchingKeys extends JOSEError {}
export class JWKSNoMatchingKey extends JOSEError {}
export class JWKSTimeout extends JOSEError {}

export const errors: {
  JOSEError: typeof JOSEError;
  JWTClaimValidationFailed: typeof JWTClaimValidationFailed;
  JWTExpired: typeof JWTExpired;
  JWTInvalid: typeof JWTInvalid;
  JWSInvalid: typeof JWSInvalid;
  JWSSignatureVerificationFailed: typeof JWSSignatureVerificationFailed;
  JOSEAlgNotAllowed: typeof JOSEAlgNotAllowed;
  JOSENotSupported: typeof JOSENotSupported;
  JWKInvalid: typeof JWKInvalid;
  JWKSInvalid: typeof JWKSInvalid;
  JWKSMultipleMatchingKeys: typeof JWKSMultipleMatchingKeys;
  JWKSNoMatchingKey: typeof JWKSNoMatchingKey;
  JWKSTimeout: typeof JWKSTimeout;
};
