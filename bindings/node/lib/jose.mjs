// ESM entry point of tokenwarden/jose.
import cjs from './jose.js';

export const { jwtVerify, createLocalJWKSet, createRemoteJWKSet, errors } = cjs;
export const {
  JOSEError,
  JWTClaimValidationFailed,
  JWTExpired,
  JWTInvalid,
  JWSInvalid,
  JWSSignatureVerificationFailed,
  JOSEAlgNotAllowed,
  JOSENotSupported,
  JWKInvalid,
  JWKSInvalid,
  JWKSMultipleMatchingKeys,
  JWKSNoMatchingKey,
  JWKSTimeout,
} = cjs.errors;
export default cjs;
