"""The request logs never hold a secret: passwords, Duo passcodes, session
cookie values, SAML assertions or STS credentials."""

import base64

import helpers as h
from conftest import USERS


def test_logs_hold_no_secrets(stack):
    secrets = [u["password"] for u in USERS.values()]
    secrets += [u["passcode"] for u in USERS.values() if "passcode" in u]
    secrets.append("wrong-password-Z9")

    # A bit of everything: bad password, passcode right and wrong, cookie use.
    stack.ecp("alice", "wrong-password-Z9")
    for code in (USERS["bob"]["passcode"], "000000"):
        stack.ecp("bob", "bob-pw-K2", headers={"X-Shibboleth-Duo-Factor": "passcode",
                                               "X-Shibboleth-Duo-Passcode": code})
    first = stack.login("alice")
    cookie = first.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    again = stack.ecp(cookies={"shib_idp_session": cookie})
    secrets += [cookie, again.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]]

    # STS: a success (credentials) and a failure, plus a proxied call.
    b64 = h.response_b64(again.content)
    ok = stack.assume(b64, h.DEVELOPER, h.PROVIDER1)
    creds = h.credentials(ok)
    stack.assume(b64, h.TEAM_ADMIN, h.PROVIDER2)
    secrets += [b64, b64[:40], creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]]
    secrets.append(base64.b64decode(b64).decode()[:60])

    text = (stack.dir / "idp.log.jsonl").read_text() + (stack.dir / "sts.log.jsonl").read_text()
    assert "bad_passcode" in text and '"auth": "cookie"' in text  # the requests were logged
    for secret in secrets:
        assert secret not in text, f"log leaks {secret[:12]}..."
