"""The command line: version, help, configuration checks, refusing bad configs."""

import subprocess
import tempfile
from pathlib import Path

from harness import RTSEDGE, free_port, run_tests

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout=10):
    return subprocess.run([RTSEDGE, *args], capture_output=True, text=True, timeout=timeout)


def test_version_and_help():
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("rtsedge "), version
    help_ = run("--help")
    assert help_.returncode == 0 and "--check-config" in help_.stdout, help_
    unknown = run("--frobnicate")
    assert unknown.returncode != 0 and "unknown option" in unknown.stderr, unknown


def test_example_configurations_are_valid():
    for path in sorted((ROOT / "conf").glob("*.yaml")):
        result = run("--check-config", str(path))
        assert result.returncode == 0, f"{path}: {result.stderr}"


def test_bad_configuration_is_refused_with_file_and_line():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.yaml"
        path.write_text("log:\n  level: info\nrtmp:\n  chunk_sise: 4096\n")
        result = run("--check-config", str(path))
        assert result.returncode != 0, result
        assert f"{path}:4:3: rtmp.chunk_sise: unknown key" in result.stderr, result.stderr
        path.write_text("rtmp:\n  listen: 127.0.0.1:70000\n")
        result = run("--check-config", str(path))
        assert result.returncode != 0 and f"{path}:2:11: rtmp.listen: port 70000" in result.stderr, result.stderr


def test_bad_configuration_starts_nothing():
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.yaml"
        path.write_text(f'rtmp:\n  listen: "127.0.0.1:{port}"\nviewers:\n  queue_soft_limit: 9s\n')
        result = run("--config", str(path))
        assert result.returncode != 0 and "queue_soft_limit" in result.stderr, result
        result = run("--config", str(Path(folder) / "missing.yaml"))
        assert result.returncode != 0 and "cannot read" in result.stderr, result


if __name__ == "__main__":
    run_tests([test_version_and_help, test_example_configurations_are_valid,
               test_bad_configuration_is_refused_with_file_and_line, test_bad_configuration_starts_nothing])
