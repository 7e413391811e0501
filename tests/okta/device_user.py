#!/usr/bin/env python3
"""The person at the other end of an Okta device authorization, for the aws-login tests; also
usable as the `browser` command behind --open-browser:

    tests/okta/device_user.py [--deny] VERIFICATION_URI_COMPLETE

Opens the activation page at the Okta stand-in (tests/okta/standin.py), signs in as
OKTA_TEST_USER / OKTA_TEST_PASSWORD (default dana) and allows the device (or, with --deny,
refuses it). Exit 0 when the stand-in says so; else 1 with one line on stderr. Never prints a
code."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oidc"))
from formbrowser import Browser, Failed, describe, device_user_args, run  # noqa: E402

USER = os.environ.get("OKTA_TEST_USER", "dana")
PASSWORD = os.environ.get("OKTA_TEST_PASSWORD", "dana-pw-K9")


def main():
    deny, url = device_user_args("device_user.py")
    b = Browser()
    page = b.open(url)
    form = page.form("activate")
    if not form:
        raise Failed(f"no activation form: the stand-in showed {describe(page)}")
    page = b.submit(page, form, username=USER, password=PASSWORD, action="deny" if deny else "allow")
    if ("denied" if deny else "done") not in page.ids:
        raise Failed(f"the activation did not go through: the stand-in showed {describe(page)}")


if __name__ == "__main__":
    run(main)
