#!/usr/bin/env python3
"""Checks the image scripts/build-image.sh saved, from the outside.

    scripts/check_image.py [--archive target/image/kubeward-VERSION.oci.tar]

Reads the OCI archive without podman and checks: the config (user, entrypoint, no Cmd,
the OCI labels with this checkout's version, revision and source), that the layers hold
the binary and nothing else (no shell, no libc, no /etc), and that the binary is a static
ELF executable owned by root and not writable. Then it runs the binary extracted from the
image inside an otherwise empty chroot, as the image's user: `--version`, and `scan` of
examples/ copied into it, proving that it needs nothing from the host. Exits 1 on the first
failed check, naming it.
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(what):
    print(f"check_image: FAIL: {what}", file=sys.stderr)
    sys.exit(1)


def ok(what):
    print(f"check_image: ok: {what}", file=sys.stderr)


def cargo_field(name):
    with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(f"{name} = "):
                return line.split("=", 1)[1].strip().strip('"')
    fail(f"no {name} in Cargo.toml")


def blob(archive, digest):
    algo, _, hexpart = digest.partition(":")
    return archive.extractfile(f"blobs/{algo}/{hexpart}").read()


def is_static_elf(data):
    """True when the ELF has no PT_INTERP program header (no dynamic loader)."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail("the binary is not a 64-bit ELF file")
    little = data[5] == 1
    order = "little" if little else "big"
    e_type = int.from_bytes(data[16:18], order)
    if e_type not in (2, 3):  # EXEC, or DYN for a static-pie
        fail(f"ELF type {e_type} is not an executable")
    phoff = int.from_bytes(data[32:40], order)
    phentsize = int.from_bytes(data[54:56], order)
    phnum = int.from_bytes(data[56:58], order)
    for i in range(phnum):
        at = phoff + i * phentsize
        if int.from_bytes(data[at : at + 4], order) == 3:  # PT_INTERP
            return False
    return True


def main():
    version = cargo_field("version")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--archive",
        default=os.path.join(ROOT, "target", "image", f"kubeward-{version}.oci.tar"),
    )
    args = parser.parse_args()

    revision = subprocess.run(
        ["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()

    with tarfile.open(args.archive) as archive:
        index = json.loads(archive.extractfile("index.json").read())
        manifests = index.get("manifests", [])
        if len(manifests) != 1:
            fail(f"the archive holds {len(manifests)} images, expected 1")
        manifest = json.loads(blob(archive, manifests[0]["digest"]))
        config = json.loads(blob(archive, manifest["config"]["digest"]))
        layers = [blob(archive, layer["digest"]) for layer in manifest["layers"]]

    cfg = config.get("config", {})
    if cfg.get("User") != "65532:65532":
        fail(f"user is {cfg.get('User')!r}, expected '65532:65532'")
    ok("runs as 65532:65532")
    if cfg.get("Entrypoint") != ["/kubeward"]:
        fail(f"entrypoint is {cfg.get('Entrypoint')!r}, expected ['/kubeward']")
    if cfg.get("Cmd"):
        fail(f"Cmd is {cfg.get('Cmd')!r}; arguments belong to the pod spec")
    ok("entrypoint is /kubeward, no Cmd")
    labels = cfg.get("Labels") or {}
    want = {
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.source": cargo_field("repository"),
        "org.opencontainers.image.title": "kubeward",
    }
    for key, value in want.items():
        if labels.get(key) != value:
            fail(f"label {key} is {labels.get(key)!r}, expected {value!r}")
    got_rev = labels.get("org.opencontainers.image.revision", "")
    if not revision or got_rev.removesuffix("-dirty") != revision:
        fail(f"label revision is {got_rev!r}, expected this checkout's {revision!r}")
    ok(f"labels: version {version}, revision {got_rev}, source")

    files = {}
    for layer in layers:
        with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
            for member in tar.getmembers():
                name = member.name.lstrip("./")
                if member.isdir():
                    continue
                files[name] = (member, tar.extractfile(member).read() if member.isfile() else None)
    if set(files) != {"kubeward"}:
        fail(f"the layers hold {sorted(files)}, expected only kubeward (no shell, no libc)")
    member, binary = files["kubeward"]
    if member.uid != 0 or member.mode & 0o222 or member.mode & 0o6000:
        fail(f"kubeward is uid {member.uid} mode {oct(member.mode)}; expected root-owned, 0555")
    if not is_static_elf(binary):
        fail("the binary asks for a dynamic loader (PT_INTERP); it is not static")
    ok(f"one file, /kubeward: static ELF, {len(binary) / 1e6:.1f} MB, mode {oct(member.mode & 0o7777)}")

    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "kubeward")
        with open(path, "wb") as f:
            f.write(binary)
        os.chmod(path, 0o555)
        shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(root, "examples"))
        os.chmod(root, 0o755)
        if os.geteuid() != 0:
            print("check_image: skip: running in a chroot needs root", file=sys.stderr)
            return

        chroot = shutil.which("chroot") or "/usr/sbin/chroot"

        def run(*argv):
            # No environment at all: nothing from the host reaches the binary.
            return subprocess.run(
                [chroot, "--userspec=65532:65532", root, "/kubeward", *argv],
                capture_output=True,
                text=True,
                env={},
            )

        got = run("--version")
        if got.returncode != 0 or got.stdout.strip() != f"kubeward {version}":
            fail(f"--version in an empty chroot: rc {got.returncode}, {got.stdout!r} {got.stderr!r}")
        ok(f"--version in an empty chroot: {got.stdout.strip()}")
        got = run("scan", "--format", "json", "/examples")
        if got.returncode not in (0, 1):
            fail(f"scan /examples in an empty chroot: rc {got.returncode}: {got.stderr}")
        report = json.loads(got.stdout)
        if not isinstance(report, dict) or not report:
            fail(f"scan /examples printed {got.stdout[:200]!r}")
        ok(f"scan of examples/ in an empty chroot: exit {got.returncode}, JSON report")
        check_name_resolution(chroot, root)


EVENT = (
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"1","stage":"ResponseComplete",'
    '"verb":"get","requestURI":"/api/v1/namespaces/prod/secrets/x","user":{"username":"alice",'
    '"groups":["system:authenticated"]},"objectRef":{"resource":"secrets","namespace":"prod",'
    '"name":"x"},"responseStatus":{"code":200},"stageTimestamp":"2024-06-01T12:00:00.25Z"}'
)


def check_name_resolution(chroot, root):
    """`detect serve` in the chroot posts an alert to a name only its /etc/hosts knows."""
    import http.server
    import socket
    import threading
    import time
    import urllib.request

    got = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    with open(os.path.join(root, "etc", "hosts"), "w") as f:
        f.write("127.0.0.1 kubeward-check.test\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = subprocess.Popen(
        [chroot, "--userspec=65532:65532", root, "/kubeward", "detect", "serve",
         "--listen", f"127.0.0.1:{port}", "--no-stdout",
         "--http-output", f"http://kubeward-check.test:{receiver.server_port}/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={},
    )
    try:
        body = ('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[' + EVENT + "]}").encode()
        deadline = time.monotonic() + 20
        posted = False
        while time.monotonic() < deadline and not got:
            if not posted:
                try:
                    req = urllib.request.Request(
                        f"http://127.0.0.1:{port}/k8s-audit", data=body,
                        headers={"Content-Type": "application/json"},
                    )
                    posted = urllib.request.urlopen(req, timeout=2).status == 200
                except OSError:
                    pass
            time.sleep(0.1)
    finally:
        serve.terminate()
        _, err = serve.communicate(timeout=30)
        receiver.shutdown()
    if not got or b'"rule"' not in got[0]:
        fail(f"no alert reached kubeward-check.test through /etc/hosts: {err.decode()[-500:]}")
    ok("an alert reached a name resolved from the chroot's /etc/hosts")


if __name__ == "__main__":
    main()
