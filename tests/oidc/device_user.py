#!/usr/bin/env python3
"""The person at the other end of a device authorization (RFC 8628), for the aws-login tests;
also usable as the `browser` command behind --open-browser:

    tests/oidc/device_user.py [--deny] VERIFICATION_URI_COMPLETE

Opens the URL at the test OP, submits the user-code form and the confirmation (or, with --deny,
the refusal), signs in on the login form (OIDC_TEST_USER / OIDC_TEST_PASSWORD, default alice)
unless the OP's auto_login knob skips it, and exits 0 when the OP says the device is signed in
(or, with --deny, that it was refused). Else 1 with one line on stderr. Never prints a code."""

from formbrowser import Browser, Failed, describe, device_user_args, run


def main():
    deny, url = device_user_args("device_user.py")
    b = Browser()
    page = b.open(url)
    # The complete URI answers a self-submitting form carrying the code (the plain URI, the
    # form to type it into); both post it.
    form = page.form("op.deviceInputForm") or next((f for f in page.forms if "user_code" in f["fields"]), None)
    if not form:
        raise Failed(f"no user-code form: the OP showed {describe(page)}")
    page = b.submit(page, form)
    form = page.form("op.deviceConfirmForm")
    if not form:
        raise Failed(f"the OP did not accept the user code: it showed {describe(page)}")
    if deny:
        page = b.submit(page, form, abort="yes")
        # oidc-provider's AbortedError; the device code now answers access_denied.
        if "aborted" not in page.ids.get("error", ""):
            raise Failed(f"the OP did not take the refusal: it showed {describe(page)}")
        return
    page = b.submit(page, form)
    if page.form(having="login"):
        page = b.log_in(page)
    if "done" not in page.ids:
        raise Failed(f"the device sign-in did not complete: the OP showed {describe(page)}")


if __name__ == "__main__":
    run(main)
