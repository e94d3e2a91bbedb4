'use strict';
// createRemoteJWKSet: jose's remote JWK Set function (fetch, cache, refetch on an unknown kid
// after a cooldown) over createLocalJWKSet, so the keys it returns are verified natively.
//
// Only https: URLs are fetched. A JWKS URL often comes from configuration or a discovery
// document; file:, data:, ftp: and the like would turn it into a local-file read or a way to
// inject keys. http: is fetched only when the caller passes { allowInsecureHttp: true }
// (a test issuer on loopback, say). Redirects are not followed, responses are bounded in
// size and time.
const http = require('node:http');
const https = require('node:https');
const jose = require('./jose');

const { JOSEError, JWKSNoMatchingKey, JWKSTimeout } = jose.errors;

// A JWK Set larger than this is refused (real issuers publish a few KiB).
const MAX_JWKS_BYTES = 1 << 20;

function checkedUrl(url, allowInsecureHttp) {
  let parsed;
  if (url instanceof URL) {
    parsed = url;
  } else if (typeof url === 'string') {
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError('url must be an absolute https: URL');
    }
  } else {
    throw new TypeError('url must be an instance of URL');
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:') {
    if (allowInsecureHttp === true) return parsed;
    throw new TypeError('url must use https: (pass { allowInsecureHttp: true } to allow http:)');
  }
  throw new TypeError(`url must use https:, not ${parsed.protocol}`);
}

function nonNegative(name, value, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite, non-negative number`);
  }
  return value;
}

// fetchJwks GETs `url` and resolves with the parsed JSON, as jose's fetch does (same errors).
function fetchJwks(url, { headers, timeout, agent }) {
  const get = url.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: 'application/json', ...headers }, agent, timeout }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response'));
        return;
      }
      const parts = [];
      let size = 0;
      response.on('data', (chunk) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) {
          request.destroy();
          reject(new JOSEError(`the JSON Web Key Set is larger than ${MAX_JWKS_BYTES} bytes`));
          return;
        }
        parts.push(chunk);
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
        } catch {
          reject(new JOSEError('Failed to parse the JSON Web Key Set HTTP response as JSON'));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => {
      request.destroy();
      reject(new JWKSTimeout());
    });
    request.on('error', reject);
  });
}

// createRemoteJWKSet(url, options) → async (protectedHeader, token) => KeyObject, as jose's.
// options: timeoutDuration (ms, default 5000), cooldownDuration (ms, default 30000: the least
// time between fetches), cacheMaxAge (ms, default 600000; Infinity keeps a set for good),
// headers, agent, and allowInsecureHttp (ours: fetch http: URLs too).
function createRemoteJWKSet(url, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const target = checkedUrl(url, options.allowInsecureHttp);
  const timeout = nonNegative('timeoutDuration', options.timeoutDuration, 5000);
  const cooldown = nonNegative('cooldownDuration', options.cooldownDuration, 30000);
  const maxAge = options.cacheMaxAge === Infinity ? Infinity : nonNegative('cacheMaxAge', options.cacheMaxAge, 600000);
  const fetchOptions = { headers: options.headers, timeout, agent: options.agent };

  let local;          // createLocalJWKSet of the last good set
  let fetchedAt = 0;  // Date.now() of the last good fetch
  let pending;        // the fetch under way, shared by concurrent callers

  const state = {
    get coolingDown() {
      return local !== undefined && Date.now() < fetchedAt + cooldown;
    },
    get fresh() {
      return local !== undefined && Date.now() < fetchedAt + maxAge;
    },
  };

  const reload = () => {
    pending ??= fetchJwks(target, fetchOptions)
      .then((json) => {
        local = jose.createLocalJWKSet(json);  // throws JWKSInvalid on a malformed set
        fetchedAt = Date.now();
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const getKey = async (protectedHeader, token) => {
    if (!state.fresh) await reload();
    try {
      return await local(protectedHeader, token);
    } catch (err) {
      // An unknown kid may be a key rotated in since: fetch once more, unless we just did.
      if (err instanceof JWKSNoMatchingKey && !state.coolingDown) {
        await reload();
        return local(protectedHeader, token);
      }
      throw err;
    }
  };
  Object.defineProperties(getKey, {
    coolingDown: { get: () => state.coolingDown, enumerable: true },
    fresh: { get: () => state.fresh, enumerable: true },
    reloading: { get: () => pending !== undefined, enumerable: true },
    reload: { value: () => reload(), enumerable: true },
    jwks: { value: () => (local === undefined ? undefined : local.jwks()), enumerable: true },
  });
  return getKey;
}

module.exports = { createRemoteJWKSet, MAX_JWKS_BYTES };
