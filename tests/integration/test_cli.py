"""The command line: version, help, configuration checks, refusing bad configs."""

import hashlib
import hmac
import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from harness import RTSEDGE, free_port, run_tests

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout=10):
    try:
        return subprocess.run([RTSEDGE, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"expected `rtsedge {' '.join(args)}` to exit within {timeout} s; "
                             f"it was still running") from None


def described(result):
    return f"exit {result.returncode}, stdout {result.stdout[-300:]!r}, stderr {result.stderr[-500:]!r}"


def test_version_and_help():
    version = run("--version")
    assert version.returncode == 0 and re.fullmatch(r"rtsedge \d+\.\d+\.\d+\n", version.stdout), \
        f"expected `rtsedge X.Y.Z` and exit 0; got {described(version)}"
    help_ = run("--help")
    assert help_.returncode == 0 and "--check-config" in help_.stdout and "--config" in help_.stdout, \
        f"expected usage listing --config and --check-config, exit 0; got {described(help_)}"
    assert "rtsedge sign" in help_.stdout, f"expected usage listing `rtsedge sign`; got {described(help_)}"
    unknown = run("--frobnicate")
    assert unknown.returncode != 0 and "unknown option" in unknown.stderr, \
        f"expected `unknown option` and a non-zero exit; got {described(unknown)}"


def test_example_configurations_are_valid():
    examples = sorted((ROOT / "conf").glob("*.yaml"))
    assert ROOT / "conf" / "rtsedge.yaml" in examples, f"expected conf/rtsedge.yaml among {examples}"
    for path in examples:
        result = run("--check-config", str(path))
        assert result.returncode == 0, f"expected {path} to be valid; got {described(result)}"


def check(folder, text):
    path = Path(folder) / "bad.yaml"
    path.write_text(text)
    return path, run("--check-config", str(path))


def test_bad_configuration_is_refused_with_file_and_line():
    with tempfile.TemporaryDirectory() as folder:
        path, result = check(folder, "log:\n  level: info\n  colour: red\n")
        expected = f"{path}:3:3: log.colour: unknown key"
        assert result.returncode != 0 and expected in result.stderr, \
            f"expected a non-zero exit and {expected!r}; got {described(result)}"
        path, result = check(folder, "rtmp:\n  listen: 127.0.0.1:70000\n")
        expected = f"{path}:2:11: rtmp.listen: port 70000"
        assert result.returncode != 0 and expected in result.stderr, \
            f"expected a non-zero exit and {expected!r}; got {described(result)}"


def test_bad_configuration_starts_nothing():
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        # The listen address is valid and comes first: the error further down
        # must still stop rtsedge before it binds anything.
        path = Path(folder) / "bad.yaml"
        path.write_text(f'rtmp:\n  listen: "127.0.0.1:{port}"\nhttp:\n  enabled: false\n'
                        f'viewers:\n  queue_soft_limit: 9s\n')
        result = run("--config", str(path))
        assert result.returncode != 0 and f"{path}:6:" in result.stderr and "queue_soft_limit" in result.stderr, \
            f"expected a non-zero exit and {path}:6: ... queue_soft_limit; got {described(result)}"
        assert "listening" not in result.stderr, f"expected nothing bound; got {described(result)}"
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                raise AssertionError(f"expected 127.0.0.1:{port} free after a refused start; {error}") from None
        result = run("--config", str(Path(folder) / "missing.yaml"))
        assert result.returncode != 0 and "cannot read" in result.stderr, \
            f"expected `cannot read` and a non-zero exit; got {described(result)}"


SIGN_SECRETS = ["live-secret-new-0123456789", "live-secret-old-0123456789"]
SIGN_CONFIG = f"""security:
  apps:
    - app: live
      secrets:
        - "{SIGN_SECRETS[0]}"
        - "{SIGN_SECRETS[1]}"
      play:
        signed: true
    - app: open
      play:
        allow:
          - 127.0.0.0/8
"""


def sign(folder, *args):
    path = Path(folder) / "sign.yaml"
    path.write_text(SIGN_CONFIG)
    return path, run("sign", "--config", str(path), *args)


def test_sign_prints_a_signed_query():
    with tempfile.TemporaryDirectory() as folder:
        for action, key, ttl in [("play", "live/cam1", None), ("publish", "live/cam1", "600"),
                                 ("play", "live/cam1", "1"), ("play", "live/cam1", "31536000")]:
            before = int(time.time())
            _, result = sign(folder, "--action", action, "--key", key, *(["--ttl", ttl] if ttl else []))
            after = int(time.time())
            match = re.fullmatch(r"expires=(\d+)&sign=([0-9a-f]{64})\n", result.stdout)
            assert result.returncode == 0 and match, \
                f"expected `expires=N&sign=<64 hex>` on one line and exit 0 for {action} {key} --ttl {ttl}; " \
                f"got {described(result)}"
            expires, signature = int(match[1]), match[2]
            seconds = int(ttl or 3600)
            assert before + seconds <= expires <= after + seconds, \
                f"expected expires {seconds} s from now ({before + seconds}..{after + seconds}); got {expires}"
            # The first secret signs: HMAC-SHA256(secret, "{action}:{key}:{expires}").
            expected = hmac.new(SIGN_SECRETS[0].encode(), f"{action}:{key}:{expires}".encode(),
                                hashlib.sha256).hexdigest()
            assert signature == expected, \
                f"expected sign {expected} (HMAC-SHA256 of {action}:{key}:{expires} with the first secret); " \
                f"got {signature}"


def test_sign_refuses_bad_arguments():
    play = ("--action", "play")
    valid = (*play, "--key", "live/cam1")
    cases = [(), ("--key", "live/cam1"), play, ("--action", "delete", "--key", "live/cam1"),
             *[(*play, "--key", key) for key in ["cam1", "live/", "live/a b", "live/cam1?x=1", "live//cam1",
                                                 "live/../cam1", "/cam1"]],
             *[(*valid, "--ttl", ttl) for ttl in ["0", "31536001", "-5", "1h", "99999999999999999999999"]],
             (*valid, "--ttl"), (*valid, "--action", "publish"), (*valid, "--frobnicate")]
    with tempfile.TemporaryDirectory() as folder:
        for args in cases:
            _, result = sign(folder, *args)
            assert result.returncode == 2 and "usage: rtsedge sign" in result.stderr and not result.stdout, \
                f"expected exit 2 with the usage and nothing on stdout for `rtsedge sign ... {' '.join(args)}`; " \
                f"got {described(result)}"


def test_sign_without_a_secret_fails_clearly():
    with tempfile.TemporaryDirectory() as folder:
        for key, app in [("open/cam1", "open"), ("other/cam1", "other")]:
            _, result = sign(folder, "--action", "play", "--key", key)
            assert result.returncode == 1 and f'app "{app}"' in result.stderr \
                and "security.apps[].secrets" in result.stderr and not result.stdout, \
                f"expected exit 1 naming app {app!r} and security.apps[].secrets; got {described(result)}"
        # The embedded default configuration has no secret either.
        result = run("sign", "--action", "play", "--key", "live/cam1")
        assert result.returncode == 1 and "security.apps[].secrets" in result.stderr, \
            f"expected exit 1 naming security.apps[].secrets without --config; got {described(result)}"
        path, result = check(folder, "security:\n  apps:\n    - app: live\n      secrets:\n        - short\n")
        result = run("sign", "--config", str(path), "--action", "play", "--key", "live/cam1")
        assert result.returncode == 1 and f"{path}:5:" in result.stderr and not result.stdout, \
            f"expected exit 1 with {path}:5: for a too short secret; got {described(result)}"


if __name__ == "__main__":
    run_tests([test_version_and_help, test_example_configurations_are_valid,
               test_bad_configuration_is_refused_with_file_and_line, test_bad_configuration_starts_nothing,
               test_sign_prints_a_signed_query, test_sign_refuses_bad_arguments,
               test_sign_without_a_secret_fails_clearly])
