"""A moto S3 server that starts with objects already in it, for tests that need thousands.

PutObject through moto's HTTP server takes milliseconds of Python per object, one request at a
time, so thousands take most of a minute; written into moto's in-process backend before it
serves, they take a fraction of a second (the scale harness does the same,
examples/scale/moto_preload.py). The code under test only talks HTTP to it.

argv: bucket region objects_file, where each line of objects_file is key<TAB>unix_seconds<TAB>size.
Prints "READY <port>" once serving; exits when stdin closes.
"""

import datetime
import logging
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends

bucket, region, objects_file = sys.argv[1:4]
backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
backend.create_bucket(bucket, region)
with open(objects_file, encoding="utf-8") as lines:
    for line in lines:
        key, modified, size = line.rstrip("\n").split("\t")
        obj = backend.put_object(bucket, key, b"\0" * int(size))
        stamp = datetime.datetime.fromtimestamp(int(modified), datetime.timezone.utc)
        obj.last_modified = stamp.replace(tzinfo=None)

logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(f"READY {server.get_host_and_port()[1]}", flush=True)
sys.stdin.read()
server.stop()
