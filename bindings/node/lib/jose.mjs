// ESM entry point of tokenwarden/jose.
import cjs from './jose.js';

export const { jwtVerify, createLocalJWKSet, errors } = cjs;
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
  JWKSNoMatchingKey,
} = cjs.errors;
export default cjs;
