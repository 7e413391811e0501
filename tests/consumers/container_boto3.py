"""A long job using boto3 with the local credentials server (AWS_CONTAINER_CREDENTIALS_FULL_URI):
it calls STS until it has used three different keys (two refreshes), checking that every key it
uses is unexpired. botocore's refresh windows (15 and 10 minutes) are scaled down to the test's
20-second credentials, as they would be for a job holding hour-long ones."""
import datetime
import sys
import time

import boto3
import botocore.credentials as bc

bc.RefreshableCredentials._advisory_refresh_timeout = 8
bc.RefreshableCredentials._mandatory_refresh_timeout = 4

session = boto3.Session()
sts = session.client("sts", region_name="us-east-1")
keys = []
deadline = time.monotonic() + 120
while len(set(keys)) < 3:
    if time.monotonic() > deadline:
        sys.exit(f"only {len(set(keys))} keys in 120 s")
    creds = session.get_credentials()
    frozen = creds.get_frozen_credentials()
    if creds._expiry_time <= datetime.datetime.now(datetime.timezone.utc):
        sys.exit(f"used an expired key, expiring {creds._expiry_time}")
    arn = sts.get_caller_identity()["Arn"]
    assert arn.startswith("arn:aws:sts::111122223333:assumed-role/Developer/"), arn
    if not keys or keys[-1] != frozen.access_key:
        keys.append(frozen.access_key)
    time.sleep(0.5)  # pacing for the loop, not synchronisation: the loop waits on the keys
print(len(set(keys)), "keys")
