#!/usr/bin/env python3
"""A Go module proxy on 127.0.0.1 for tests without the internet.

Builds the GOPROXY layout (<module>/@v/list, .info, .mod, .zip) from module sources stored as
<src>/<module path>@<version>/..., serves it, prints the port on stdout, and exits when its stdin
closes (so it dies with the test process that started it). It removes the layout when it ends;
--out puts the layout where the caller can remove it too, for when the proxy is killed.

    python3 tests/modproxy.py --src tests/fixtures/modules            # serve
    python3 tests/modproxy.py --src tests/fixtures/modules --sums     # print go.sum lines
    python3 tests/modproxy.py --src … --die-on-zip                    # die mid-download (fault tests)
"""
import argparse
import base64
import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import zipfile

# A fixed time keeps .info files and zips byte-identical run after run.
FIXED_TIME = "2024-01-01T00:00:00Z"
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def modules(src):
    """Yields (module path, version, directory) for every <path>@<version> directory under src."""
    for root, dirs, _ in os.walk(src):
        for d in sorted(dirs):
            if "@" in d:
                rel = os.path.relpath(os.path.join(root, d), src)
                path, version = rel.rsplit("@", 1)
                yield path.replace(os.sep, "/"), version, os.path.join(root, d)
        dirs[:] = [d for d in dirs if "@" not in d]


def files_of(directory):
    out = []
    for root, _, files in os.walk(directory):
        for f in files:
            full = os.path.join(root, f)
            out.append((os.path.relpath(full, directory).replace(os.sep, "/"), full))
    return sorted(out)


def hash1(named_contents):
    """Go's dirhash.Hash1 over (name, bytes) pairs."""
    summary = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(named_contents)
    )
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def escape(path):
    """The proxy protocol's case encoding: upper-case letters become '!' + lower-case."""
    return "".join("!" + c.lower() if c.isupper() else c for c in path)


def build(src, out):
    sums = []
    for path, version, directory in modules(src):
        files = files_of(directory)
        prefix = f"{path}@{version}/"
        contents = [(prefix + name, open(full, "rb").read()) for name, full in files]
        gomod = open(os.path.join(directory, "go.mod"), "rb").read()
        vdir = os.path.join(out, escape(path), "@v")
        os.makedirs(vdir, exist_ok=True)
        with open(os.path.join(vdir, "list"), "a") as f:
            f.write(version + "\n")
        with open(os.path.join(vdir, f"{version}.info"), "w") as f:
            json.dump({"Version": version, "Time": FIXED_TIME}, f)
        with open(os.path.join(vdir, f"{version}.mod"), "wb") as f:
            f.write(gomod)
        with zipfile.ZipFile(os.path.join(vdir, f"{version}.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in contents:
                z.writestr(zipfile.ZipInfo(name, ZIP_DATE), data)
        sums.append(f"{path} {version} {hash1(contents)}")
        sums.append(f"{path} {version}/go.mod {hash1([('go.mod', gomod)])}")
    return sums


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    # --die-on-zip: the proxy answers .info and .mod requests, then dies on the first .zip.
    die_on_zip = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.die_on_zip and self.path.endswith(".zip"):
            shutil.rmtree(self.directory, ignore_errors=True)  # os._exit skips every finally
            os._exit(3)
        super().do_GET()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sums", action="store_true", help="print go.sum lines and exit")
    parser.add_argument("--die-on-zip", action="store_true", help="exit at the first .zip request")
    parser.add_argument("--out", help="where to build the layout (default: a temporary directory)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="gofront-modproxy-")
    # A TERM (the bench scripts' traps) ends the proxy through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(args, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def serve(args, out):
    sums = build(args.src, out)
    if args.sums:
        print("\n".join(sums))
        return
    QuietHandler.die_on_zip = args.die_on_zip
    handler = functools.partial(QuietHandler, directory=out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # returns when the parent goes away
    server.shutdown()


if __name__ == "__main__":
    main()
