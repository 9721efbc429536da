"""moto's S3 server with backup objects already in it, for the scale harness.

PutObject through moto's HTTP server costs about 6 ms of Python per object and moto serves
one request at a time under the GIL, so 100,000 objects would take ten minutes however many
connections send them. Writing them straight into moto's in-process backend and then serving
that same backend over HTTP takes seconds. The binary under test only ever talks HTTP to it.

argv: bucket status_bucket prefix_layout(flat|dated) count newest_unix_seconds spacing_seconds
Prints "READY <port> <load seconds>" once serving; exits when stdin closes.
"""

import datetime
import logging
import sys
import time

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends

bucket, status_bucket, layout, count, newest, spacing = sys.argv[1:7]
count, newest, spacing = int(count), int(newest), int(spacing)

started = time.monotonic()
backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
backend.create_bucket(bucket, "us-east-1")
backend.create_bucket(status_bucket, "us-east-1")
body = b"\0" * 1024
for i in range(count):
    # Object i is i * spacing seconds older than the newest; its key carries its time.
    modified = datetime.datetime.fromtimestamp(newest - i * spacing, datetime.timezone.utc)
    if layout == "dated":
        key = modified.strftime("db/%Y/%m/%d/backup-%H%M%S.sql.gz")
    else:
        key = modified.strftime("db/backup-%Y%m%dT%H%M%S.sql.gz")
    obj = backend.put_object(bucket, key, body)
    obj.last_modified = modified.replace(tzinfo=None)
loaded = time.monotonic() - started

# One log line per request would drown the harness's own output.
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(f"READY {server.get_host_and_port()[1]} {loaded:.3f}", flush=True)
sys.stdin.read()
server.stop()
