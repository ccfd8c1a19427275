"""tests/browser and its node modules (playwright-core, mpegts.js), which the browser
tests share: installed once with `npm ci` from the committed package-lock.json."""

import os
import shutil
import subprocess
from pathlib import Path

BROWSER_DIR = Path(__file__).resolve().parents[1] / "browser"


def ensure_node_modules():
    """npm ci once, from the committed package-lock.json; never downloads a browser."""
    modules = BROWSER_DIR / "node_modules"
    if (modules / "mpegts.js").is_dir() and (modules / "playwright-core").is_dir():
        return
    npm = shutil.which("npm")
    assert npm, "npm is missing: install nodejs and npm (scripts/packages.txt)"
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
    try:
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        raise AssertionError("npm ci in tests/browser took over 180 s (offline? run it by hand with network access)")
    assert result.returncode == 0, (
        "npm ci in tests/browser failed (offline? run `npm ci` in tests/browser once with network access):\n"
        + result.stderr[-2000:])
