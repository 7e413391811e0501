"""The IdP's `body` and `roles` knobs serve the hostile answers they promise."""

import base64
import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from lxml import etree

import helpers as h

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"


def test_roles_knob_signs_the_given_values(stack):
    values = ["\n  arn:aws:iam::111122223333:role/Developer ,\n arn:aws:iam::111122223333:saml-provider/TestIdP ",
              "garbage"]
    stack.idp_control(roles=values)
    r = stack.login("alice")
    root = h.parse(r.content)
    got = [v.text for v in root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}AttributeValue")]
    assert values[0] in got and "garbage" in got
    assert h.xmlsec_verify(h.extract_response(r.content), stack.cert)
    stack.idp_control(roles=[])
    assert b'Name="https://aws.amazon.com/SAML/Attributes/Role"' not in stack.login("alice").content


@pytest.mark.parametrize("bad", [{"roles": "x"}, {"roles": [1]}, {"body": "nope"},
                                 {"entity_url": "http://example.org/"}])
def test_bad_knob_values_are_refused(stack, bad):
    r = requests.post(stack.idp["base_url"] + "/_control", json=bad, timeout=10)
    assert r.status_code == 400


def test_broken_bodies(stack):
    stack.idp_control(body="truncated")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(stack.ecp("alice", "alice-pw-Q7").content)

    stack.idp_control(body="not_success")
    assert h.status_of(stack.ecp("alice", "alice-pw-Q7").content)[0] == REQUESTER

    stack.idp_control(body="no_status")
    assert b"StatusCode" not in stack.ecp("alice", "alice-pw-Q7").content

    stack.idp_control(body="garbage")
    with pytest.raises(UnicodeDecodeError):
        stack.ecp("alice", "alice-pw-Q7").content.decode("utf-8")

    stack.idp_control(body="bad_signature_base64")
    assert b"@@ not base64 at all! @@" in stack.ecp("alice", "alice-pw-Q7").content

    stack.idp_control(body="cut_off")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        stack.ecp("alice", "alice-pw-Q7")


def test_doctype_bodies_carry_their_dtd(stack):
    stack.idp_control(body="doctype_external", entity_url="http://127.0.0.1:1234/")
    body = stack.ecp("alice", "alice-pw-Q7").content
    assert b'<!ENTITY xxe SYSTEM "http://127.0.0.1:1234/xxe">' in body and b"&xxe;" in body
    stack.idp_control(body="billion_laughs")
    assert b"&lol9;" in stack.ecp("alice", "alice-pw-Q7").content


def test_endless_body_stops_when_the_client_hangs_up(stack):
    stack.idp_control(body="endless")
    ends_before = len([e for e in stack.idp_log() if e["outcome"] == "stream_end"])
    url = urlsplit(stack.idp["ecp_url"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    auth = base64.b64encode(b"alice:alice-pw-Q7").decode()
    conn.request("POST", url.path, body=h.authn_request_envelope(),
                 headers={"Content-Type": "text/xml", "Authorization": f"Basic {auth}"})
    r = conn.getresponse()
    assert r.getheader("Transfer-Encoding") == "chunked"
    got = 0
    while got < 8 << 20:
        got += len(r.read(1 << 16))
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    deadline = time.monotonic() + 20
    while len([e for e in stack.idp_log() if e["outcome"] == "stream_end"]) == ends_before:
        assert time.monotonic() < deadline, "the IdP never noticed the client hang up"
        time.sleep(0.1)
    end = [e for e in stack.idp_log() if e["outcome"] == "stream_end"][-1]
    assert 8 << 20 <= end["bytes_sent"] < 64 << 20
