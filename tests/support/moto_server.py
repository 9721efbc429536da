"""moto's S3 server for the tests and the scale harness (tests/support/moto.rs starts it), with
objects that can be loaded straight into its backend.

PutObject through moto's HTTP server costs about 6 ms of Python per object, and moto serves one
request at a time under the GIL, so 100,000 objects would take ten minutes however many
connections send them. Writing them into the in-process backend that the server serves takes
seconds. The code under test only ever talks HTTP to the server.

Prints "READY <port>" once serving on 127.0.0.1 (a port the system chose). Then reads one
command per line on stdin:

    LOAD {"bucket": ..., "region": ..., "count": ..., "newest": <unix seconds>,
          "spacing": <seconds>, "key_format": <strftime>, "size": <bytes>}

creates the bucket when it does not exist and puts `count` objects into it: object i was
last modified `i * spacing` seconds before `newest`, and its key is `key_format` applied to that
time (UTC). Instead of `count`, `spacing` and `key_format`, a spec may list "objects" as
[key, <unix seconds>, size] triples: any key names. Answers "LOADED <seconds>" or "ERROR <why>". Exits when stdin closes, which also
happens when the process that started it dies.
"""

import datetime
import json
import logging
import sys
import time

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends


def objects(spec):
    """(key, modified, size) of every object the spec describes."""
    if "objects" in spec:
        for key, unix, size in spec["objects"]:
            yield key, datetime.datetime.fromtimestamp(unix, datetime.timezone.utc), size
        return
    for i in range(spec["count"]):
        modified = datetime.datetime.fromtimestamp(
            spec["newest"] - i * spec["spacing"], datetime.timezone.utc
        )
        yield modified.strftime(spec["key_format"]), modified, spec["size"]


def load(spec):
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if spec["bucket"] not in backend.buckets:
        backend.create_bucket(spec["bucket"], spec["region"])
    for key, modified, size in objects(spec):
        obj = backend.put_object(spec["bucket"], key, b"\0" * size)
        obj.last_modified = modified.replace(tzinfo=None)


# One log line per request would drown the output of whoever started the server.
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(f"READY {server.get_host_and_port()[1]}", flush=True)
for line in sys.stdin:
    command, _, argument = line.strip().partition(" ")
    started = time.monotonic()
    try:
        if command != "LOAD":
            raise ValueError(f"unknown command {command!r}")
        load(json.loads(argument))
        print(f"LOADED {time.monotonic() - started:.3f}", flush=True)
    except Exception as err:  # the caller reports it; the server keeps serving
        print(f"ERROR {type(err).__name__}: {err}".replace("\n", " "), flush=True)
server.stop()
