#!/usr/bin/env python3
"""A scripted browser for the aws-login tests, usable as the `browser` setting or $BROWSER:

    tests/oidc/browser.py AUTHORIZATION_URL

Opens the URL at the test OP, signs in on its login form (OIDC_TEST_USER / OIDC_TEST_PASSWORD,
default alice) unless the OP's auto_login knob skips it, and follows the final redirect to the
CLI's loopback listener, which so receives code, state and iss (or an error such as access_denied).
Exits 0 once the listener answered, whatever it answered; else 1 with one line on stderr.
Never prints a code, token or the query of any URL."""

import sys
import urllib.parse

from formbrowser import Browser, Failed, describe, run


def main():
    if len(sys.argv) != 2:
        raise Failed("usage: browser.py URL")
    op = urllib.parse.urlsplit(sys.argv[1]).netloc
    b = Browser()
    page = b.open(sys.argv[1])
    if urllib.parse.urlsplit(page.url).netloc == op and page.form(having="login"):
        page = b.log_in(page)
    if urllib.parse.urlsplit(page.url).netloc == op:
        raise Failed(f"the OP did not redirect back: it showed {describe(page)}")


if __name__ == "__main__":
    run(main)
