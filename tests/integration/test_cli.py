"""The command line: version, help, configuration checks, refusing bad configs."""

import re
import socket
import subprocess
import tempfile
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


if __name__ == "__main__":
    run_tests([test_version_and_help, test_example_configurations_are_valid,
               test_bad_configuration_is_refused_with_file_and_line, test_bad_configuration_starts_nothing])
