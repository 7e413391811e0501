"""Hostile and broken answers for the test IdP's `body` knob.

Each mode replaces a successful login's answer (a real signed envelope, built
as usual) with what a broken or malicious endpoint might send, so the client's
parser, size cap and error messages are tested against the real thing:

  truncated             the envelope cut in half, sent as a complete HTTP answer
  cut_off               Content-Length of the whole envelope, half of it sent,
                        then the connection is closed
  doctype_external      the envelope with a DOCTYPE whose external entities
                        (general and parameter) point at knob `entity_url`
  billion_laughs        the envelope with an entity-expansion bomb
  endless               a SOAP start, then padding in chunks without end
  oversized             the same with a Content-Length of 1 GiB
  not_success           top-level status Requester (a nested Success code and
                        the signed assertion are still there)
  no_status             the Response without its Status
  garbage               bytes that are neither XML nor UTF-8, as text/xml
  bad_signature_base64  the assertion's SignatureValue replaced by non-base64
"""

import re

BODIES = ("normal", "truncated", "cut_off", "doctype_external", "billion_laughs", "endless",
          "oversized", "not_success", "no_status", "garbage", "bad_signature_base64")
XML = "text/xml; charset=utf-8"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
CHUNK = 64 * 1024
# A client that never stops reading still gets an end, so no test can hang on us.
STREAM_LIMIT = 1024 * 1024 * 1024


def url(value):
    if not isinstance(value, str) or not value.startswith("http://127.0.0.1:"):
        raise ValueError(f"must be an http://127.0.0.1:PORT/ URL, got {value!r}")
    return value


def role_values(value):
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ValueError(f"must be null or a list of strings, got {value!r}")
    return value


class Stream:
    """An answer written piece by piece: `length` (None: chunked) and the
    bytes to send, which may never end."""

    def __init__(self, length, pieces):
        self.length, self.pieces = length, pieces

    def write(self, handler):
        """Sends the answer until it ends or the client goes away; returns the
        body bytes sent. The connection is closed afterwards."""
        handler.close_connection = True
        handler.connection.settimeout(30)
        sent = 0
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", XML)
            if self.length is None:
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.send_header("Content-Length", str(self.length))
            handler.end_headers()
            for piece in self.pieces:
                if self.length is None:
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    handler.wfile.write(piece)
                sent += len(piece)
                if sent >= STREAM_LIMIT:
                    break
            handler.wfile.flush()
        except OSError:  # the client stopped reading and hung up: what we want
            pass
        return sent


def _padding(head):
    yield head
    pad = b"<!-- padding -->\n" * (CHUNK // 17)
    while True:
        yield pad


def answer(mode, envelope, entity_url, headers):
    """The (status, body, content type, headers) answer for `mode`, made from
    the real success `envelope` (str)."""
    env = envelope.encode()
    decl_end = env.index(b"?>") + 2
    body_start = env.index(b"<soap11:Body>") + len(b"<soap11:Body>")

    def with_doctype(dtd, reference):
        doctype = b"<!DOCTYPE soap11:Envelope [" + dtd + b"]>"
        return env[:decl_end] + doctype + env[decl_end:body_start] + reference + env[body_start:]

    if mode == "truncated":
        return 200, env[: len(env) // 2], XML, headers
    if mode == "cut_off":
        return 200, Stream(len(env), [env[: len(env) // 2]]), XML, headers
    if mode == "doctype_external":
        base = entity_url.rstrip("/").encode()
        dtd = (b'<!ENTITY % remote SYSTEM "' + base + b'/remote.dtd"> %remote; '
               b'<!ENTITY xxe SYSTEM "' + base + b'/xxe">')
        return 200, with_doctype(dtd, b"&xxe;"), XML, headers
    if mode == "billion_laughs":
        dtd = b'<!ENTITY lol0 "lol">'
        for i in range(1, 10):
            dtd += b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10)
        return 200, with_doctype(dtd, b"&lol9;"), XML, headers
    if mode == "endless":
        return 200, Stream(None, _padding(env[:body_start])), XML, headers
    if mode == "oversized":
        return 200, Stream(STREAM_LIMIT, _padding(env[:body_start])), XML, headers
    if mode == "not_success":
        nested = (f'<saml2p:StatusCode Value="{STATUS}Requester">'
                  f'<saml2p:StatusCode Value="{STATUS}Success"/></saml2p:StatusCode>').encode()
        out, n = re.subn(rb'<saml2p:StatusCode Value="[^"]*Success"\s*/>', nested, env, count=1)
        assert n == 1, "no Success status to replace"
        return 200, out, XML, headers
    if mode == "no_status":
        out, n = re.subn(rb"<saml2p:Status>.*?</saml2p:Status>", b"", env, count=1, flags=re.S)
        assert n == 1, "no Status to remove"
        return 200, out, XML, headers
    if mode == "garbage":
        return 200, bytes((i * 151 + 7) % 256 for i in range(4096)), XML, headers
    if mode == "bad_signature_base64":
        out, n = re.subn(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>",
                         b"<ds:SignatureValue>@@ not base64 at all! @@</ds:SignatureValue>", env, count=1)
        assert n == 1, "no SignatureValue to replace"
        return 200, out, XML, headers
    raise ValueError(f"unknown body mode {mode!r}")
