"""What AWS STS checks in an AssumeRoleWithWebIdentity call, for the STS front.

moto accepts any token (it never reads it), so the front runs `check` first: the
parameters as STS validates them, then the JWT against a registered OpenID
provider (the `oidc_providers` knob, like an IAM OIDC provider: issuer plus
client-ID list), its signature against the issuer's JWKS (found through its
discovery document, refetched once for an unknown kid), then exp/nbf and aud.
Each failure raises StsError with the code and message real STS uses.
"""

import json
import re
import threading
import urllib.error
import urllib.request

from xml.sax.saxutils import escape

import jwt

from saml_check import StsError

SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
# What IAM OIDC providers sign with; "none" and HMAC never verify.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
NOT_VALIDATED = ("The web identity token that was passed could not be validated by AWS. "
                 "Get a new identity token from the identity provider and then retry the request.")
NO_KEY = ("Couldn't retrieve verification key from your identity provider, please reference "
          "AssumeRoleWithWebIdentity documentation for requirements")
MIN_DURATION, MAX_DURATION = 900, 43200


def providers_knob(value):
    """[{"issuer": URL, "client_ids": [..], "roles": [..] (optional: roles trusting it)}]"""
    def ok(p):
        return (isinstance(p, dict) and isinstance(p.get("issuer"), str) and set(p) <= {"issuer", "client_ids", "roles"}
                and isinstance(p.get("client_ids"), list) and all(isinstance(c, str) for c in p["client_ids"])
                and (p.get("roles") is None or (isinstance(p["roles"], list)
                                                and all(isinstance(r, str) for r in p["roles"]))))
    if not isinstance(value, list) or not all(ok(p) for p in value):
        raise ValueError('oidc_providers must be a list of {"issuer": URL, "client_ids": [..], '
                         f'"roles": [..] (optional)}}, got {value!r}')
    return value


def validation(message):
    return StsError("ValidationError", f"1 validation error detected: {message}")


def check_params(params):
    """STS validates the parameters before it looks at the token. Returns (duration or None)."""
    for name, value in (("roleArn", params.get("RoleArn")), ("roleSessionName", params.get("RoleSessionName")),
                        ("webIdentityToken", params.get("WebIdentityToken"))):
        if not value:
            raise validation(f"Value null at '{name}' failed to satisfy constraint: Member must not be null")
    if not 20 <= len(params["RoleArn"]) <= 2048:
        raise validation(f"Value '{params['RoleArn']}' at 'roleArn' failed to satisfy constraint: "
                         "Member must have length between 20 and 2048")
    if not SESSION_NAME_RE.match(params["RoleSessionName"]):
        raise validation(f"Value '{params['RoleSessionName']}' at 'roleSessionName' failed to satisfy "
                         r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]* "
                         "and have length between 2 and 64")
    if not 4 <= len(params["WebIdentityToken"]) <= 20000:
        raise validation("Value at 'webIdentityToken' failed to satisfy constraint: "
                         "Member must have length between 4 and 20000")
    raw = params.get("DurationSeconds")
    if raw is None:
        return None
    try:
        duration = int(raw)
    except ValueError:
        raise validation(f"Value '{raw}' at 'durationSeconds' failed to satisfy constraint: "
                         "Member must be an integer") from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        bound = "greater than or equal to 900" if duration < MIN_DURATION else "less than or equal to 43200"
        raise validation(f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
                         f"Member must have value {bound}")
    return duration


class Keys:
    """Each issuer's JWKS client, found through its discovery document once."""

    def __init__(self):
        self._clients = {}
        self._lock = threading.Lock()

    def signing_key(self, issuer, token):
        try:
            with self._lock:
                client = self._clients.get(issuer)
                if client is None:
                    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
                    with urllib.request.urlopen(url, timeout=10) as resp:
                        jwks_uri = json.load(resp)["jwks_uri"]
                    # PyJWKClient refetches the set when a kid is unknown; no cool-down between
                    # refetches, so a test that rotates the OP's key need not wait.
                    client = self._clients[issuer] = jwt.PyJWKClient(
                        jwks_uri, cache_keys=False, lifespan=300, timeout=10, cooldown_duration=0)
            return client.get_signing_key_from_jwt(token)
        except (OSError, ValueError, KeyError, urllib.error.URLError) as exc:
            raise StsError("IDPCommunicationError", NO_KEY) from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise StsError("IDPCommunicationError", NO_KEY) from exc
        except jwt.PyJWKClientError as exc:  # no key with the token's kid, even after a refetch
            raise StsError("InvalidIdentityToken", NOT_VALIDATED) from exc


def check_token(token, providers, keys, now, role_arn):
    """The token's claims once it is proven: signed by a registered issuer for one of its
    client IDs, not expired, not early. `now` is the front's clock (a knob may skew it)."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise StsError("InvalidIdentityToken", NOT_VALIDATED) from None
    if header.get("alg") not in ALGORITHMS:
        raise StsError("InvalidIdentityToken", NOT_VALIDATED)
    issuer = unverified.get("iss")
    provider = next((p for p in providers if isinstance(issuer, str)
                     and p["issuer"].rstrip("/") == issuer.rstrip("/")), None)
    if provider is None:
        raise StsError("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")
    key = keys.signing_key(provider["issuer"], token)
    try:
        # Times are checked below against the front's own clock.
        claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name] if key.algorithm_name else ALGORITHMS,
                            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                                     "verify_iat": False, "require": ["iss", "sub", "aud", "exp"]})
    except jwt.PyJWTError:
        raise StsError("InvalidIdentityToken", NOT_VALIDATED) from None
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, (int, float)) or now >= exp:
        raise StsError("ExpiredTokenException", "Token is expired")
    if isinstance(nbf, (int, float)) and now < nbf:
        raise StsError("InvalidIdentityToken", "Token is not yet valid")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    audience = next((a for a in audiences if a in provider["client_ids"]), None)
    if audience is None:
        raise StsError("InvalidIdentityToken", "Incorrect token audience")
    if provider.get("roles") is not None and role_arn not in provider["roles"]:
        raise StsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    return {"issuer": issuer, "subject": claims["sub"], "audience": audience}


def answer(moto_body, claims):
    """moto's answer with what real STS adds for web identity: the token's subject, its
    audience and the provider (the token's iss)."""
    extra = (f"<SubjectFromWebIdentityToken>{escape(claims['subject'])}</SubjectFromWebIdentityToken>"
             f"<Audience>{escape(claims['audience'])}</Audience>"
             f"<Provider>{escape(claims['issuer'])}</Provider>").encode()
    body, n = re.subn(rb"(<AssumeRoleWithWebIdentityResult>)", lambda m: m.group(1) + extra, moto_body)
    if n != 1:
        raise StsError("InternalFailure", "moto's answer has no AssumeRoleWithWebIdentityResult")
    return body
