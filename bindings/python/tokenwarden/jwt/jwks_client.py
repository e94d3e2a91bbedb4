"""PyJWKClient: signing keys from a JWKS endpoint, with PyJWT's constructor and methods."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from ssl import SSLContext
from typing import Any, Dict, List, Optional

from .api_jwk import PyJWK, PyJWKSet
from .exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError
from ._decode import get_unverified_header

#: A JWK Set larger than this is refused (real issuers publish a few KiB).
MAX_JWKS_BYTES = 1 << 20


class JWKSetCache:
    """PyJWKClient's cache of the last JWK Set (PyJWT's class and attribute names): ``get``
    returns the set until ``lifespan`` seconds after ``put``, then None."""

    def __init__(self, lifespan: float) -> None:
        self.lifespan = lifespan
        self._set: Optional[PyJWKSet] = None
        self._stored_at = 0.0

    def put(self, jwk_set: Optional[Any]) -> None:
        """Store a PyJWKSet or the JWK Set dict it is read from; None empties the cache."""
        if jwk_set is not None and not isinstance(jwk_set, PyJWKSet):
            if not isinstance(jwk_set, dict):
                raise PyJWKSetError("Invalid JWK Set value")
            jwk_set = PyJWKSet.from_dict(jwk_set)
        self._set = jwk_set
        self._stored_at = time.monotonic()

    def get(self) -> Optional[PyJWKSet]:
        return None if self.is_expired() else self._set

    def is_expired(self) -> bool:
        return self._set is not None and time.monotonic() > self._stored_at + self.lifespan


class _NoRedirectHandler(urllib.request.HTTPRedirectHandler):
    """PyJWT's name. A moved JWK Set is a configuration change, not something to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


def _refusing(base: type, scheme: str) -> urllib.request.BaseHandler:
    """A handler that takes the place of urllib's default one for `scheme` (build_opener
    leaves out a default when given a subclass of it) and refuses to open anything."""

    def refuse(self: Any, req: Any) -> Any:
        raise urllib.error.URLError(f"{scheme}: URLs are never fetched for a JWK Set")

    return type(f"_No{base.__name__}", (base,), {f"{scheme}_open": refuse})()


def _check_uri(uri: Any, allow_insecure_http: bool) -> None:
    if not isinstance(uri, str):
        raise PyJWKClientError(f"The JWKS URI must be a string, not {type(uri).__name__}")
    scheme = urllib.parse.urlsplit(uri).scheme.lower()
    if scheme == "https" or (scheme == "http" and allow_insecure_http is True):
        return
    if scheme == "http":
        raise PyJWKClientError(
            "Invalid JWKS URI scheme 'http': only 'https' is fetched "
            "(pass allow_insecure_http=True to allow 'http')")
    raise PyJWKClientError(
        f"Invalid JWKS URI scheme {scheme!r}: only 'https' is supported")


class PyJWKClient:
    """Fetches a JWK Set over HTTP(S) and picks the key for a token's kid. The set is cached
    for ``lifespan`` seconds; an unknown kid triggers one refetch, at most once per
    ``cooldown_duration`` seconds. Redirects are refused and the response size is bounded.

    Only ``https://`` URIs are fetched: a JWKS URI often comes from configuration or a discovery
    document, and ``file:``, ``data:``, ``ftp:`` or a bare path would make it a local-file read
    and a way to inject trusted keys. ``http://`` is fetched only with
    ``allow_insecure_http=True`` (tokenwarden's own argument; PyJWT allows http by default).

    (For a server, tokenwarden's own ``serve`` keeps issuer keys fresh with Cache-Control,
    ETag, backoff and stale-if-error; this client mirrors PyJWT's simpler behaviour.)"""

    def __init__(self, uri: str, cache_keys: bool = False, max_cached_keys: int = 16,
                 cache_jwk_set: bool = True, lifespan: float = 300,
                 headers: Optional[Dict[str, Any]] = None, timeout: float = 30,
                 ssl_context: Optional[SSLContext] = None,
                 cooldown_duration: float = 30, *,
                 allow_insecure_http: bool = False) -> None:
        _check_uri(uri, allow_insecure_http)
        if cache_jwk_set and lifespan <= 0:
            raise PyJWKClientError(
                f'Lifespan must be greater than 0, the input is "{lifespan}"')
        # PyJWT's checks and messages. NaN passes a `< 0` test, and either NaN or infinity
        # would stop every refetch for an unknown kid, so a rotated-in key would never be seen.
        if cooldown_duration < 0:
            raise PyJWKClientError(
                "Cooldown duration must be greater than or equal to 0, "
                f'the input is "{cooldown_duration}"')
        if not math.isfinite(cooldown_duration):
            raise PyJWKClientError(
                f'Cooldown duration must be finite, the input is "{cooldown_duration}"')
        self.uri = uri
        self.allow_insecure_http = allow_insecure_http
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.ssl_context = ssl_context
        #: The JWK Set cache (None with cache_jwk_set=False), as PyJWT's attribute.
        self.jwk_set_cache: Optional[JWKSetCache] = (
            JWKSetCache(lifespan) if cache_jwk_set else None)
        self.cooldown_duration = cooldown_duration
        # PyJWT's names: one lock around a whole key lookup, so concurrent misses of the same
        # unknown kid cause one refetch, and the time of the last successful fetch.
        self._client_lock = threading.RLock()
        self._last_successful_fetch: Optional[float] = None

    def fetch_data(self) -> Any:
        # Checked again here: `uri` is a public attribute a caller may have changed.
        _check_uri(self.uri, self.allow_insecure_http)
        request = urllib.request.Request(url=self.uri, headers=self.headers)
        # build_opener, as PyJWT (proxies from the environment, and code that mocks it for
        # PyJWT mocks it here), with the file:, ftp: and data: handlers replaced by refusing
        # ones: the scheme check above is the rule, this a second lock.
        handlers: List[Any] = [
            _NoRedirectHandler(), _refusing(urllib.request.FileHandler, "file"),
            _refusing(urllib.request.FTPHandler, "ftp"),
            _refusing(urllib.request.DataHandler, "data")]
        if self.ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self.ssl_context))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_JWKS_BYTES + 1)
                # read(n) hands back what arrived when the connection closed before the
                # Content-Length was reached; PyJWT's read() raises IncompleteRead there. A
                # cut-off set is a failed fetch, not an endpoint that answered with bad JSON.
                missing = getattr(response, "length", None)
                if isinstance(missing, int) and missing and len(body) <= MAX_JWKS_BYTES:
                    raise http.client.IncompleteRead(body, missing)
        except urllib.error.HTTPError as e:
            e.close()
            raise PyJWKClientConnectionError(
                f'Fail to fetch data from the url, err: "{e}"') from e
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as e:
            raise PyJWKClientConnectionError(
                f'Fail to fetch data from the url, err: "{e}"') from e
        if len(body) > MAX_JWKS_BYTES:
            raise PyJWKClientConnectionError(
                f"the JWK Set at {self.uri} is larger than {MAX_JWKS_BYTES} bytes")
        try:
            data = json.loads(body)
        except ValueError as e:
            raise PyJWKClientError(f"The JWKS endpoint did not return JSON: {e}") from e
        self._last_successful_fetch = time.monotonic()
        return data

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        cache = self.jwk_set_cache
        if cache is not None and not refresh:
            with self._client_lock:
                cached = cache.get()
            if cached is not None:
                return cached
        data = self.fetch_data()
        if not isinstance(data, dict):
            raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
        try:
            jwk_set = PyJWKSet.from_dict(data)
        except PyJWKSetError as e:
            raise PyJWKClientError(str(e)) from e
        if cache is not None:
            with self._client_lock:
                cache.put(jwk_set)
        return jwk_set

    def get_signing_keys(self, refresh: bool = False) -> List[PyJWK]:
        keys = [k for k in self.get_jwk_set(refresh).keys
                if k.public_key_use in ("sig", None) and k.key_id]
        if not keys:
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return keys

    def get_signing_key(self, kid: str) -> PyJWK:
        """The signing key with `kid`. On a miss the set is fetched again, unless the last
        successful fetch (any fetch: the first, a cache expiry, a refetch) is less than
        ``cooldown_duration`` ago, as in PyJWT; without a JWK Set cache every miss
        refetches."""
        with self._client_lock:
            key = self._match(self.get_signing_keys(), kid)
            if key is None:
                last = self._last_successful_fetch
                cooling_down = (self.jwk_set_cache is not None and last is not None and
                                time.monotonic() - last < self.cooldown_duration)
                if not cooling_down:
                    key = self._match(self.get_signing_keys(refresh=True), kid)
            if key is None:
                raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
            return key

    def get_signing_key_from_jwt(self, token: "str | bytes") -> PyJWK:
        header = get_unverified_header(token)
        return self.get_signing_key(header.get("kid"))  # type: ignore[arg-type]

    @staticmethod
    def _match(keys: List[PyJWK], kid: str) -> Optional[PyJWK]:
        for key in keys:
            if key.key_id == kid:
                return key
        return None
