'use strict';
// TokenError: why Verifier.verify rejected a token, with the core's stable code.
const native = require('./native');

// The stable codes of core/error.h, without "ok".
const ERROR_CODES = Object.freeze(native.errorCodes.slice(1));

class TokenError extends Error {
  constructor(code, message, { detail = '', claim } = {}) {
    super(message);
    this.name = 'TokenError';
    this.code = code;
    this.detail = detail;
    if (claim !== undefined) this.claim = claim;
  }
}

// tokenError builds a TokenError from the addon's failure object.
function tokenError(f) {
  let message = f.summary;
  if (f.claim !== undefined) message += ` ("${f.claim}")`;
  if (f.detail) message += ` (${f.detail})`;
  return new TokenError(f.code, message, f);
}

module.exports = { TokenError, ERROR_CODES, tokenError };
