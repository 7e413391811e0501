"""Checks a token the test OP (op.mjs) issued, for the servers beside it (exchange.py,
maws_roles.py): a JWT (ID token, or JWT access token) against the OP's JWKS, an opaque access
token through the OP's introspection endpoint (RFC 7662, as client `exchange-rs`).

The OP's issuer comes from its ready file (oidc.json), read when first needed, so these servers
can start side by side with it.
"""

import base64
import json
import threading
import urllib.parse
import urllib.request

import jwt

INTROSPECTION_CLIENT = ("exchange-rs", "exchange-rs-pw")
ALGORITHMS = ["RS256", "ES256"]


class Refused(Exception):
    """The token is not good; the message says why (never the token itself)."""


class OpTokens:
    def __init__(self, ready_file):
        self.ready_file = ready_file
        self._lock = threading.Lock()
        self._issuer = None
        self._discovery = None
        self._jwks = None

    def _load(self):
        with self._lock:
            if self._discovery is None:
                try:
                    with open(self.ready_file, encoding="utf-8") as fh:
                        issuer = json.load(fh)["issuer"]
                    with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10) as r:
                        self._discovery = json.load(r)
                except (OSError, ValueError, KeyError) as exc:
                    raise Refused(f"the OpenID provider cannot be reached ({type(exc).__name__})") from None
                self._issuer = issuer
                # No cool-down between refetches, so a rotated OP key is found at once.
                self._jwks = jwt.PyJWKClient(self._discovery["jwks_uri"], cache_keys=False, lifespan=60,
                                             timeout=10, cooldown_duration=0)
            return self._issuer, self._discovery, self._jwks

    @property
    def issuer(self):
        return self._load()[0]

    def verify_jwt(self, token, audience=None):
        """The claims of a JWT the OP signed, in date; `audience` (if given) among its aud."""
        issuer, _, jwks = self._load()
        try:
            key = jwks.get_signing_key_from_jwt(token)
            return jwt.decode(token, key.key, algorithms=ALGORITHMS, issuer=issuer, audience=audience,
                              options={"verify_aud": audience is not None, "require": ["iss", "sub", "exp"]})
        except jwt.ExpiredSignatureError:
            raise Refused("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise Refused("the token is not addressed to this client") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise Refused(f"the token does not verify ({type(exc).__name__})") from None

    def introspect(self, token):
        """The OP's introspection answer for an opaque token; refused unless active."""
        _, discovery, _ = self._load()
        basic = base64.b64encode(":".join(INTROSPECTION_CLIENT).encode()).decode()
        req = urllib.request.Request(
            discovery["introspection_endpoint"], method="POST",
            data=urllib.parse.urlencode({"token": token}).encode(),
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = json.load(r)
        except (OSError, ValueError) as exc:
            raise Refused(f"introspection failed ({type(exc).__name__})") from None
        if not answer.get("active"):
            raise Refused("the token is not active")
        return answer


def looks_like_jwt(token):
    return token.count(".") == 2
