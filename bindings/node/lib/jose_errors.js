'use strict';
// The error classes of tokenwarden/jose: jose's class names, codes and fields. Each error the
// binding throws for a token also carries .twCode (the core's stable code) and .twDetail (the
// rule that failed).

class JOSEError extends Error {
  static code = 'ERR_JOSE_GENERIC';
  code = 'ERR_JOSE_GENERIC';
  constructor(message, options) {
    super(message, options);
    this.name = this.constructor.name;
    Error.captureStackTrace?.(this, this.constructor);
  }
}

// joseClass is jose's error class `name` with `code` (static and on each instance) and, when
// given, jose's default message. The class is named `name`, as jose's are (e.name too).
function joseClass(name, code, defaultMessage) {
  return {
    [name]: class extends JOSEError {
      static code = code;
      code = code;
      constructor(message = defaultMessage, options) {
        super(message, options);
      }
    },
  }[name];
}

// claimClass is one of jose's two claim failures, which also carry the claim, the reason
// ("check_failed", "missing", "invalid") and the payload (only ever a verified one).
function claimClass(name, code) {
  return {
    [name]: class extends JOSEError {
      static code = code;
      code = code;
      claim;
      reason;
      payload;
      constructor(message, payload, claim = 'unspecified', reason = 'unspecified') {
        super(message, { cause: { claim, reason, payload } });
        this.claim = claim;
        this.reason = reason;
        this.payload = payload;
      }
    },
  }[name];
}

const errors = {
  JOSEError,
  JWKSTimeout: joseClass('JWKSTimeout', 'ERR_JWKS_TIMEOUT', 'request timed out'),
  JWTClaimValidationFailed: claimClass('JWTClaimValidationFailed', 'ERR_JWT_CLAIM_VALIDATION_FAILED'),
  JWTExpired: claimClass('JWTExpired', 'ERR_JWT_EXPIRED'),
  JWTInvalid: joseClass('JWTInvalid', 'ERR_JWT_INVALID'),
  JWSInvalid: joseClass('JWSInvalid', 'ERR_JWS_INVALID'),
  JWSSignatureVerificationFailed: joseClass('JWSSignatureVerificationFailed', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    'signature verification failed'),
  JOSEAlgNotAllowed: joseClass('JOSEAlgNotAllowed', 'ERR_JOSE_ALG_NOT_ALLOWED'),
  JOSENotSupported: joseClass('JOSENotSupported', 'ERR_JOSE_NOT_SUPPORTED'),
  JWKInvalid: joseClass('JWKInvalid', 'ERR_JWK_INVALID'),
  JWKSInvalid: joseClass('JWKSInvalid', 'ERR_JWKS_INVALID'),
  JWKSMultipleMatchingKeys: joseClass('JWKSMultipleMatchingKeys', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
    'multiple matching keys found in the JSON Web Key Set'),
  JWKSNoMatchingKey: joseClass('JWKSNoMatchingKey', 'ERR_JWKS_NO_MATCHING_KEY',
    'no applicable key found in the JSON Web Key Set'),
};

module.exports = { errors, ...errors };
