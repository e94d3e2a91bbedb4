// ESM entry point: the CommonJS module's exports, by name and as default.
import cjs from './index.js';

export const {
  Verifier, TokenError, ERROR_CODES, jwtVerify, createLocalJWKSet, createRemoteJWKSet, errors,
  verifyDpopProof, verifyDpopProofAsync, DpopReplayCache, DpopReplayCacheFullError, jwkThumbprint, accessTokenHash,
} = cjs;
export default cjs;
