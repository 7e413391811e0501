#!/usr/bin/env python3
"""A scripted browser for the aws-login tests, usable as the `browser` setting or $BROWSER:

    tests/oidc/browser.py [--print-redirect] AUTHORIZATION_URL

Opens the URL at the test OP, signs in on its login form (OIDC_TEST_USER / OIDC_TEST_PASSWORD,
default alice) unless the OP's auto_login knob skips it, and follows the final redirect to the
CLI's loopback listener, which so receives code, state and iss (or an error such as access_denied).
Exits 0 once the listener answered, whatever it answered; else 1 with one line on stderr.
With --print-redirect it follows nothing off the OP: it prints the final redirect's whole address
on stdout (what a person copies from the address bar when no listener can be reached) and exits 0.
Otherwise never prints a code, token or the query of any URL."""

import sys
import urllib.parse

from formbrowser import Arrived, Browser, Failed, describe, run


def main():
    args = sys.argv[1:]
    print_redirect = args[:1] == ["--print-redirect"]
    urls = args[1:] if print_redirect else args
    if len(urls) != 1:
        raise Failed("usage: browser.py [--print-redirect] URL")
    op = urllib.parse.urlsplit(urls[0]).netloc
    if print_redirect:
        try:
            visit(Browser(stay_on=op), urls[0], op)
        except Arrived as arrived:
            print(arrived.args[0])
            return
        raise Failed("the OP did not redirect back")
    visit(Browser(), urls[0], op)


def visit(b, url, op):
    page = b.open(url)
    if urllib.parse.urlsplit(page.url).netloc == op and page.form(having="login"):
        page = b.log_in(page)
    if urllib.parse.urlsplit(page.url).netloc == op:
        raise Failed(f"the OP did not redirect back: it showed {describe(page)}")


if __name__ == "__main__":
    run(main)
