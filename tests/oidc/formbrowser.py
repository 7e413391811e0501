"""A scripted browser for the test OP's pages (stdlib only, so any python3 runs it): a cookie
jar, redirects followed, HTML forms read and submitted. Loopback only: it refuses any other host.
Its messages name pages by host and path, never by query (which carries codes and state)."""

import html.parser
import http.cookiejar
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
USER = os.environ.get("OIDC_TEST_USER", "alice")
PASSWORD = os.environ.get("OIDC_TEST_PASSWORD", "alice-pw-O1")


class Failed(Exception):
    """One sentence for stderr."""


def where(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Arrived(Exception):
    """A redirect off the host a Browser(stay_on=…) keeps to; its address is the argument."""


class _LoopbackOnly(urllib.request.HTTPRedirectHandler):
    def __init__(self, stay_on=None):
        super().__init__()
        self.stay_on = stay_on

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        host = urllib.parse.urlsplit(newurl).hostname
        if host not in LOOPBACK:
            raise Failed(f"refusing to follow a redirect off loopback, to {where(newurl)}")
        if self.stay_on and urllib.parse.urlsplit(newurl).netloc != self.stay_on:
            raise Arrived(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Page:
    def __init__(self, url, status, text):
        self.url, self.status, self.text = url, status, text
        parser = _Forms()
        parser.feed(text)
        self.forms, self.title, self.ids = parser.forms, parser.title.strip(), parser.ids

    def form(self, form_id=None, having=None):
        """The form with this id, or the first one with an input of id `having`."""
        for f in self.forms:
            if (form_id and f["id"] == form_id) or (having and having in f["input_ids"]):
                return f
        return None


class _Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.title, self.ids, self._in_title = [], "", {}, False
        self._last_id = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] = ""
            self._last_id = a["id"]
        if tag == "title":
            self._in_title = True
        elif tag == "form":
            self.forms.append({"id": a.get("id"), "action": a.get("action", ""), "method": a.get("method", "get"),
                               "fields": {}, "input_ids": set()})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
            if a.get("id"):
                self.forms[-1]["input_ids"].add(a["id"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._last_id:
            self.ids[self._last_id] += data.strip()
            self._last_id = None


class Browser:
    def __init__(self, stay_on=None):
        """stay_on: a host:port whose redirects elsewhere are not followed but raise Arrived."""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _LoopbackOnly(stay_on))

    def open(self, url, data=None):
        """Follows redirects; returns the last Page, whatever its status."""
        if urllib.parse.urlsplit(url).hostname not in LOOPBACK:
            raise Failed(f"refusing to open a page off loopback: {where(url)}")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as resp:
                return Page(resp.geturl(), resp.status, resp.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            return Page(err.geturl(), err.code, err.read().decode("utf-8", "replace"))
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise Failed(f"could not reach {where(url)}: {reason}") from None

    def submit(self, page, form, **fields):
        action = urllib.parse.urljoin(page.url, form["action"] or page.url)
        return self.open(action, {**form["fields"], **fields})

    def log_in(self, page):
        """Fills the OP's login form once; fails when it is shown again."""
        form = page.form(having="login")
        answer = self.submit(page, form, login=USER, password=PASSWORD)
        if answer.form(having="login"):
            raise Failed(f"the OP refused the login of {USER!r} ({answer.status})")
        return answer


def describe(page):
    error = page.ids.get("error")
    return f"{page.title or 'a page'} ({page.status}{', ' + error if error else ''}) at {where(page.url)}"


def run(main):
    """Runs main(); a Failed ends with its sentence on stderr and exit status 1."""
    try:
        main()
    except Failed as err:
        print(f"{os.path.basename(sys.argv[0])}: {err}", file=sys.stderr)
        sys.exit(1)


def device_user_args(script):
    """`[--deny] VERIFICATION_URI_COMPLETE` of a scripted device user: (deny, url)."""
    args = sys.argv[1:]
    urls = [a for a in args if a != "--deny"]
    if len(urls) != 1:
        raise Failed(f"usage: {script} [--deny] VERIFICATION_URI_COMPLETE")
    return "--deny" in args, urls[0]
