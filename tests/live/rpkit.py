"""A user at the provider, as a browser would be: the authorization code flow (with PKCE)
through oidc-provider's development login and consent pages, and RP-initiated logout through
its confirmation page. Each Browser has its own cookie jar, so its own session at the
provider; the forms are read from the pages the provider serves and submitted as they are.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import http.cookiejar
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request


class Form:
    """One <form>: where it posts, its hidden fields, its named buttons, and the names of
    the inputs the user types into."""

    def __init__(self, attrs: dict):
        self.id = attrs.get("id")
        self.action = attrs.get("action", "")
        self.fields: dict[str, str] = {}
        self.typed: list[str] = []
        self.buttons: dict[str, str] = {}


class Forms(html.parser.HTMLParser):
    """The forms of a page. A button may belong to a form by its `form` attribute (the
    provider's logout page puts its buttons outside the form)."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: list[Form] = []
        self.open: Form | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.open = Form(a)
            self.forms.append(self.open)
        elif tag == "input" and self.open is not None and "name" in a:
            if a.get("type") == "hidden":
                self.open.fields[a["name"]] = a.get("value", "")
            else:
                self.open.typed.append(a["name"])
        elif tag == "button" and "name" in a:
            owner = next((f for f in self.forms if f.id and f.id == a.get("form")), self.open)
            if owner is not None:
                owner.buttons[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = None


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as responses: the browser follows them itself, and stops at the
    relying party's redirect_uri (nothing listens there)."""

    def redirect_request(self, *args, **kwargs):
        return None


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Browser:
    """One user agent: its cookies are its session at `op` (a conftest.Provider)."""

    MAX_STEPS = 12  # redirects and pages in one flow; more is a loop

    def __init__(self, op):
        self.op = op
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=op.ssl),
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects())

    def fetch(self, url: str, data: dict | None = None) -> tuple[int, str | None, str]:
        """GET `url`, or POST `data` as a form: (status, Location, body)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        try:
            with self.opener.open(request, timeout=10) as resp:
                return resp.status, resp.headers.get("Location"), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location"), e.read().decode("utf-8", "replace")

    def walk(self, url: str, login: str, stop: str) -> str:
        """Follows redirects from `url` and fills in the pages on the way (login as `login`,
        consent, logout confirmation) until a redirect to a URL starting with `stop`; returns
        that URL."""
        data = None
        for _ in range(self.MAX_STEPS):
            status, location, page = self.fetch(url, data)
            if status in (302, 303) and location:
                url = urllib.parse.urljoin(url, location)
                if url.startswith(stop):
                    return url
                data = None
                continue
            assert status == 200, (status, url, page[:600])
            forms = Forms(page).forms
            assert len(forms) == 1, (url, page[:600])
            form = forms[0]
            data = dict(form.fields)
            if "login" in form.typed:  # the sign-in page: any password will do
                data.update(login=login, password="any")
            data.update(form.buttons)  # the logout page's "Yes, sign me out" (logout=yes)
            url = urllib.parse.urljoin(url, form.action)
        raise AssertionError(f"no redirect to {stop} within {self.MAX_STEPS} steps")

    def sign_in(self, client: dict, login: str, resource: str) -> dict:
        """The authorization code flow of relying party `client` (provider.mjs: client_id,
        client_secret, redirect_uris) for `resource`; returns the token response (access
        token, ID token)."""
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(8)
        redirect_uri = client["redirect_uris"][0]
        query = urllib.parse.urlencode({
            "client_id": client["client_id"], "response_type": "code",
            "redirect_uri": redirect_uri, "scope": "openid read write", "resource": resource,
            "state": state, "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
            "code_challenge_method": "S256"})
        back = self.walk(f"{self.op.meta['authorization_endpoint']}?{query}", login,
                         redirect_uri)
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
        assert params.get("state") == state and "code" in params, params
        status, answer = self.op.call(
            "POST", self.op.meta["token_endpoint"],
            {"grant_type": "authorization_code", "code": params["code"],
             "redirect_uri": redirect_uri, "code_verifier": verifier, "resource": resource},
            auth=(client["client_id"], client["client_secret"]))
        assert status == 200, answer
        return answer

    def log_out(self, id_token: str) -> None:
        """RP-initiated logout: the end_session endpoint with `id_token` as the hint, its
        confirmation page answered "yes, sign me out" (every client of the session)."""
        query = urllib.parse.urlencode({"id_token_hint": id_token})
        self.walk(f"{self.op.meta['end_session_endpoint']}?{query}", "",
                  f"{self.op.issuer}/session/end/success")


def claims_of(token: str) -> dict:
    seg = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
