#!/usr/bin/env python3
"""An STS that can say no: a front for moto's STS for the aws-login tests.

    .stack/venv/bin/python tests/sts/front.py --state-dir DIR --idp-cert PATH
        [--idp-entity-id ID] [--knobs JSON] [--die-with-parent]

moto (run in-process on its own loopback port) issues real-looking
credentials but accepts any AssumeRoleWithSAML: it checks no signature, no
time conditions, no role pair, ignores DurationSeconds and answers HTTP 500
when an assertion carries several roles. This front checks AssumeRoleWithSAML
the way AWS does (see saml_check.py), answers failures with STS's error XML,
and on success asks moto for credentials with an assertion moto can digest.
AssumeRoleWithWebIdentity likewise (see web_identity.py): the JWT is checked
against the OpenID providers in the `oidc_providers` knob before moto mints.
Every other request is proxied to moto unchanged, so the issued credentials
work for e.g. `aws sts get-caller-identity` against this front.

The IdP certificate is read per request, so the front may start before the
IdP has written it. Writes DIR/sts.json when ready; logs every request to
DIR/sts.log.jsonl (never the assertion or credentials).
"""

import argparse
import datetime as dt
import http.client
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stack"))
sys.path.insert(0, HERE)
import stacklib  # noqa: E402
from stacklib import Knobs, JsonlLog, number, redirect  # noqa: E402
import saml_check  # noqa: E402
from saml_check import StsError  # noqa: E402
import web_identity  # noqa: E402

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
# code -> (HTTP status, Type, default message), as real STS answers them.
ERRORS = {
    "InvalidIdentityToken": (400, "Sender", "The SAML assertion is not valid"),
    "ExpiredTokenException": (400, "Sender", "Token is expired"),
    "AccessDenied": (403, "Sender", "Not authorized to perform sts:AssumeRoleWithSAML"),
    "ValidationError": (400, "Sender", "Request validation failed"),
    "IDPRejectedClaim": (403, "Sender", "The identity provider rejected the claim"),
    "MalformedPolicyDocument": (400, "Sender", "The policy document is malformed"),
    "PackedPolicyTooLarge": (400, "Sender", "Packed policy consumes too much space"),
    "RegionDisabledException": (403, "Sender", "STS is not activated in this region"),
    "Throttling": (400, "Sender", "Rate exceeded"),
    "InternalFailure": (500, "Receiver", "An internal error occurred"),
    "ServiceUnavailable": (503, "Receiver", "Service is unavailable"),
    "IDPCommunicationError": (400, "Sender", web_identity.NO_KEY),
}
MIN_DURATION, MAX_DURATION = 900, 43200
DEFAULT_DURATION = 3600
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
              "te", "trailer", "upgrade", "content-length"}
ACCOUNT_RE = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):")


def _role_max(value):
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in value.items()):
        raise ValueError("role_max must map role ARN -> integer seconds")
    return value


def _reject(value):
    if value is not None and value not in ERRORS:
        raise ValueError(f"reject must be null or one of {sorted(ERRORS)}")
    return value


# What a broken STS endpoint or a proxy in front of it might answer instead.
BROKEN = {
    "html": (200, "text/html", "<!DOCTYPE html><html><body><h1>Proxy login required</h1></body></html>"),
    "truncated": (200, "text/xml", f'<AssumeRoleWithSAMLResponse xmlns="{STS_NS}"><AssumeRoleWithSAMLResult>'
                                   "<Credentials><AccessKeyId>ASIA"),
    "empty": (200, "text/xml", ""),
    "html_error": (502, "text/html", "<html><body>Bad Gateway</body></html>"),
    # An error in another service's XML envelope (EC2's), and one in JSON: not STS's format,
    # but they name a code and a message.
    "foreign_xml": (403, "text/xml", "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
                                     "<Message>You are not authorized\x1b[31m to perform this operation.</Message>"
                                     "</Error></Errors><RequestID>r-1</RequestID></Response>"),
    "json_error": (400, "application/json", '{"__type": "com.amazon.coral#ThrottlingException", '
                                            '"message": "Rate exceeded by the gateway"}'),
}


def _broken(value):
    if value is not None and value not in BROKEN:
        raise ValueError(f"broken must be null or one of {sorted(BROKEN)}")
    return value


KNOB_SPEC = {
    # seconds until the returned credentials' Expiration (overrides duration)
    "credential_ttl": (None, number(allow_none=True)),
    # a role's MaxSessionDuration, like IAM's default of one hour
    "max_session_duration": (3600, number(minimum=0)),
    # per-role MaxSessionDuration overrides: {"arn:aws:iam::1:role/X": 43200}
    "role_max": ({}, _role_max),
    # make every AssumeRoleWithSAML fail with this STS error code
    "reject": (None, _reject),
    # answer AssumeRoleWithSAML with something that is not STS XML (see BROKEN)
    "broken": (None, _broken),
    # answer AssumeRoleWithSAML with this redirect: {"status": 307, "location": "..."}
    "redirect": (None, redirect),
    # the OpenID providers AssumeRoleWithWebIdentity trusts, like IAM OIDC providers:
    # [{"issuer": URL, "client_ids": [...], "roles": [...] (optional: the roles that trust it)}]
    "oidc_providers": ([], web_identity.providers_knob),
    # seconds the front's clock runs ahead when it checks a web-identity token's exp and nbf
    "web_identity_clock_skew": (0, number()),
}


def error_xml(code, message, request_id):
    status, kind, _ = ERRORS[code]
    body = (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, body


def iso_z(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Front:
    def __init__(self, args, knobs, log, moto_host, moto_port):
        self.keys = web_identity.Keys()
        self.idp_cert = os.path.abspath(args.idp_cert)
        self.idp_entity_id = args.idp_entity_id
        self.knobs, self.log = knobs, log
        self.moto = (moto_host, moto_port)

    # -- AssumeRoleWithSAML ----------------------------------------------------

    def assume_role_with_saml(self, params, record):
        """Returns (status, xml body). Raises StsError for STS failures."""
        role_arn = params.get("RoleArn")
        principal_arn = params.get("PrincipalArn")
        assertion = params.get("SAMLAssertion")
        record.update(role_arn=role_arn, principal_arn=principal_arn)
        duration = None
        raw_duration = params.get("DurationSeconds")
        if raw_duration is not None:
            try:
                duration = int(raw_duration)
            except ValueError:
                raise StsError("ValidationError", f"Value '{raw_duration}' at 'durationSeconds' "
                                                  "failed to satisfy constraint: Member must be an integer") from None
            record["duration"] = duration

        # Parameter validation comes first at AWS, before the token is looked at.
        for name, value in (("roleArn", role_arn), ("principalArn", principal_arn),
                            ("SAMLAssertion", assertion)):
            if not value:
                raise StsError("ValidationError", f"1 validation error detected: Value null at "
                                                  f"'{name}' failed to satisfy constraint: Member must not be null")
        if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
            bound = ("greater than or equal to 900" if duration < MIN_DURATION
                     else "less than or equal to 43200")
            raise StsError("ValidationError", f"1 validation error detected: Value '{duration}' at "
                                              f"'durationSeconds' failed to satisfy constraint: Member must have value {bound}")
        forced = self.knobs.get("reject")
        if forced:
            raise StsError(forced, ERRORS[forced][2])

        claims = saml_check.check_assertion(assertion, self.idp_cert)
        if self.idp_entity_id and claims["issuer"] != self.idp_entity_id:
            raise StsError("InvalidIdentityToken", "The SAML assertion's Issuer is not a "
                                                   "known identity provider")
        if not saml_check.role_pair_allowed(claims["roles"], role_arn, principal_arn):
            raise StsError("AccessDenied", ERRORS["AccessDenied"][2])
        account = ACCOUNT_RE.match(role_arn.strip())
        if not account:
            raise StsError("ValidationError", f"{role_arn} is not a valid role ARN")

        if duration is not None:
            role_max = self.knobs.get("role_max").get(role_arn.strip(), self.knobs.get("max_session_duration"))
            if duration > role_max:
                raise StsError("ValidationError", "The requested DurationSeconds exceeds the "
                                                  "MaxSessionDuration set for this role.")
            if claims["session_duration"] is not None and duration > claims["session_duration"]:
                raise StsError("ValidationError", "The requested DurationSeconds exceeds the "
                                                  "SessionDuration in the SAML assertion.")
        effective = duration or DEFAULT_DURATION

        status, body = self._moto_assume(role_arn.strip(), principal_arn.strip(),
                                         claims["role_session_name"], effective, account.group(1))
        return 200, self._expiring(status, body, effective)

    def _expiring(self, status, body, effective):
        """moto's successful answer with the Expiration the knobs ask for."""
        if status != 200:
            raise StsError("InternalFailure", f"moto answered HTTP {status}")
        ttl = self.knobs.get("credential_ttl")
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(
            seconds=effective if ttl is None else ttl)
        body, n = re.subn(rb"<Expiration>[^<]*</Expiration>",
                          f"<Expiration>{iso_z(expires)}</Expiration>".encode(), body)
        if n != 1:
            raise StsError("InternalFailure", "moto's answer has no Expiration")
        return body

    # -- AssumeRoleWithWebIdentity ---------------------------------------------

    def assume_role_with_web_identity(self, params, record):
        """Returns (status, xml body). Raises StsError for STS failures."""
        record.update(role_arn=params.get("RoleArn"), session_name=params.get("RoleSessionName"))
        duration = web_identity.check_params(params)
        record["duration"] = duration
        forced = self.knobs.get("reject")
        if forced:
            raise StsError(forced, ERRORS[forced][2])
        role_arn = params["RoleArn"]
        now = time.time() + self.knobs.get("web_identity_clock_skew")
        claims = web_identity.check_token(params["WebIdentityToken"], self.knobs.get("oidc_providers"),
                                          self.keys, now, role_arn)
        record.update(claims)
        account = ACCOUNT_RE.match(role_arn)
        if not account:
            raise StsError("ValidationError", f"{role_arn} is not a valid role ARN")
        role_max = self.knobs.get("role_max").get(role_arn, self.knobs.get("max_session_duration"))
        if duration is not None and duration > role_max:
            raise StsError("ValidationError", "The requested DurationSeconds exceeds the "
                                              "MaxSessionDuration set for this role.")
        effective = duration or DEFAULT_DURATION
        status, body = self._moto_post({
            "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role_arn,
            "RoleSessionName": params["RoleSessionName"], "DurationSeconds": str(effective),
            # moto reads no token; the checked one stays here.
            "WebIdentityToken": "checked-by-the-front",
        }, account.group(1))
        return 200, web_identity.answer(self._expiring(status, body, effective), claims)

    def _moto_assume(self, role_arn, principal_arn, session_name, duration, account):
        return self._moto_post({
            "Action": "AssumeRoleWithSAML", "Version": "2011-06-15",
            "RoleArn": role_arn, "PrincipalArn": principal_arn,
            "SAMLAssertion": saml_check.moto_assertion(role_arn, principal_arn, session_name, duration),
        }, account)

    def _moto_post(self, params, account):
        form = urlencode(params)
        conn = http.client.HTTPConnection(*self.moto, timeout=30)
        try:
            conn.request("POST", "/", body=form, headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                # Unsigned requests are routed by Host at moto (else: S3).
                "Host": "sts.amazonaws.com",
                # moto stores the assumed role in the *calling* account's STS
                # backend, but looks credentials up in the role's account: call
                # as the role's account, or get-caller-identity says user/moto.
                "x-moto-account-id": account,
            })
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def warm_up(self):
        try:
            self._moto_assume("arn:aws:iam::000000000000:role/WarmUp",
                              "arn:aws:iam::000000000000:saml-provider/WarmUp", "warm-up", 900,
                              "000000000000")
        except OSError:
            pass

    # -- everything else -------------------------------------------------------

    def proxy(self, handler, body):
        """Forward a request to moto verbatim (headers incl. Host and
        Authorization); returns moto's answer as (status, body, type, headers)."""
        conn = http.client.HTTPConnection(*self.moto, timeout=60)
        try:
            conn.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
            for name, value in handler.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in HOP_BY_HOP | {"content-type", "server", "date"}]
            return resp.status, data, resp.getheader("Content-Type", "text/xml"), headers
        finally:
            conn.close()


def make_handler(front):
    class Handler(stacklib.QuietHandler):
        server_version = "sts-front/1"

        def do_GET(self):
            self._dispatch()

        def do_POST(self):
            self._dispatch()

        do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

        def _dispatch(self):
            if urlsplit(self.path).path == "/_control":
                return self.handle_control(front.knobs)
            started = time.monotonic()
            body = self.read_body()
            params = self._params(body)
            record = {"ts": time.time(), "action": params.get("Action"), "role_arn": None,
                      "principal_arn": None, "duration": None}
            if params.get("Action") == "AssumeRoleWithSAML":
                outcome, answer = self._assume(params, record)
            elif params.get("Action") == "AssumeRoleWithWebIdentity":
                outcome, answer = self._assume(params, record, front.assume_role_with_web_identity)
            else:
                try:
                    outcome, answer = "proxied", front.proxy(self, body)
                except OSError as exc:
                    outcome, answer = "proxy_error", (502, f"moto unreachable: {exc}\n", "text/plain", ())
            record.update(status=answer[0], outcome=outcome, handling_ms=stacklib.elapsed_ms(started))
            # Log before answering: a client that got its answer finds its line.
            front.log.write(record)
            self.send(*answer)

        def _params(self, body):
            """Query string and form body merged (the body wins), first values."""
            params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
            ctype = self.headers.get("Content-Type", "")
            if body and ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
                except UnicodeDecodeError:
                    form = {}
                params.update({k: v[0] for k, v in form.items()})
            return params

        def _assume(self, params, record, assume=None):
            """Returns (log outcome, (status, body, content type, headers))."""
            assume = assume or front.assume_role_with_saml
            request_id = str(uuid.uuid4())
            moved = front.knobs.get("redirect")
            if moved:
                return "redirect", (moved["status"], "", "text/plain",
                                    [("Location", moved["location"]), ("x-amzn-RequestId", request_id)])
            broken = front.knobs.get("broken")
            if broken:
                status, ctype, body = BROKEN[broken]
                return f"broken_{broken}", (status, body, ctype, [("x-amzn-RequestId", request_id)])
            try:
                status, body = assume(params, record)
                outcome = "success"
            except StsError as err:
                status, body = error_xml(err.code, err.message, request_id)
                outcome = err.code
            except Exception:  # keep answering like STS even on our own bugs
                traceback.print_exc(file=sys.stderr)
                status, body = error_xml("InternalFailure", "An internal error occurred", request_id)
                outcome = "InternalFailure"
            return outcome, (status, body, "text/xml", [("x-amzn-RequestId", request_id)])

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--idp-cert", required=True, help="PEM certificate the IdP signs with")
    ap.add_argument("--idp-entity-id", default=None,
                    help="if given, assertions from any other Issuer are refused")
    ap.add_argument("--knobs", default="{}", help="initial knobs as a JSON object")
    ap.add_argument("--die-with-parent", action="store_true")
    args = ap.parse_args()

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    knobs = Knobs(KNOB_SPEC)
    try:
        knobs.update(json.loads(args.knobs))
    except ValueError as exc:
        stacklib.fatal(f"sts-front: {exc}")
    if args.die_with_parent:
        stacklib.exit_with_parent()

    # moto would take the account of every request from this variable.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    from moto.server import ThreadedMotoServer  # slow import: after arg checks

    # verbose=False is not enough: werkzeug still logs every request line.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address=stacklib.LOOPBACK, port=0, verbose=False)
    moto.start()
    moto_host, moto_port = moto.get_host_and_port()

    log = JsonlLog(os.path.join(state_dir, "sts.log.jsonl"))
    front = Front(args, knobs, log, moto_host, moto_port)
    server = stacklib.make_server(make_handler(front))
    url = f"http://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.write_json_atomic(os.path.join(state_dir, "sts.json"), {
        "url": url,
        "moto_url": f"http://{moto_host}:{moto_port}",
        "pid": os.getpid(),
    })
    print(f"sts-front: ready at {url} (moto at {moto_host}:{moto_port})", file=sys.stderr, flush=True)
    # moto loads its STS/IAM backends on first use (~0.1 s): do that now, in
    # the background, rather than in the first test request.
    threading.Thread(target=front.warm_up, daemon=True, name="moto-warm-up").start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
