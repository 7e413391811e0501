"""Polls the local credentials server (as an SDK would, with the token) until it stops serving
credentials; prints the HTTP status, how many keys it was served, and the server's message."""
import json
import os
import sys
import time
import urllib.error
import urllib.request

url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
keys = set()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        request = urllib.request.Request(url, headers={"Authorization": token})
        keys.add(json.load(urllib.request.urlopen(request))["AccessKeyId"])
    except urllib.error.HTTPError as e:
        print(e.code, len(keys), json.load(e)["Message"])
        sys.exit(0)
    time.sleep(0.5)  # pacing for the loop, not synchronisation
sys.exit("still served after 60 s")
