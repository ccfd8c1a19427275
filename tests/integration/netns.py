"""Two network namespaces of the test's own, joined by a veth pair: a server side and a
client side, so WebRTC peers talk over a real (non-loopback) interface. Chromium
gathers no ICE candidate on loopback alone, and a test must never send to the
machine's own external addresses; 198.18.0.0/15 (RFC 2544, benchmarking) is used
for the link, and it exists only inside the two namespaces.

    with NetnsPair() as pair:
        with pair.enter_server():       # this thread (and what it starts) lives in the server ns
            with Server(...) as server:  # rtsedge, ffmpeg, ffprobe: inside the server ns
                browser = pair.popen_in_client(["node", ...])

Names are unique per test process: rtse-srv-<pid> and rtse-cli-<pid>; a pair left
behind by a crashed run (its pid dead) is removed on the next start. The veth ends are
created directly inside the namespaces, so nothing of the pair ever shows in the root
namespace's `ip link`. Every process started through the pair is stopped by its PID
on exit, then both namespaces are deleted, also when the test failed.

Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): where `ip netns add` is refused, NetnsPair()
raises NetnsUnavailable and the test exits SKIP_CODE (ctest SKIP_RETURN_CODE)."""

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import time

PREFIX = "rtse-"
SKIP_CODE = 77  # ctest SKIP_RETURN_CODE of the tests using this module (CMakeLists.txt)
_CLONE_NEWNET = 0x40000000
_STALE = re.compile(rf"^{re.escape(PREFIX)}(?:srv|cli)-(\d+)$")


class NetnsUnavailable(Exception):
    """This machine does not let the test make network namespaces (not root, a
    container without CAP_SYS_ADMIN, no iproute2): a reason to skip, never to pass."""


def _ip(*args, check=True, timeout=10):
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: exit {result.returncode}: {result.stderr.strip()}")
    return result


def _started_at(pid):
    """The wall-clock start time of a live process; None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):
            return None
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def _creator_alive(pid, ns):
    """Whether the process that made `ns` still runs: its pid lives, and was not reused by
    a process started after the namespace was made."""
    started = _started_at(pid)
    if started is None:
        return False
    try:
        made = os.stat(f"/run/netns/{ns}").st_mtime
    except OSError:
        return True  # cannot tell: leave it alone
    return started <= made + 2  # /proc/stat's btime is whole seconds


def _kill_all_in(ns):
    """SIGKILLs every process left inside a namespace, by PID (`ip netns pids`)."""
    result = _ip("netns", "pids", ns, check=False)
    for word in result.stdout.split():
        if word.isdigit() and int(word) != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(word), signal.SIGKILL)


def _delete(ns):
    _kill_all_in(ns)
    _ip("netns", "del", ns, check=False)


def namespaces():
    """The names `ip netns list` shows."""
    result = _ip("netns", "list", check=False)
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]


def remove_stale():
    """Deletes pairs of this module whose creating process is gone (a crashed run)."""
    removed = []
    for ns in namespaces():
        match = _STALE.match(ns)
        if match and int(match.group(1)) != os.getpid() and not _creator_alive(int(match.group(1)), ns):
            _delete(ns)
            removed.append(ns)
    return removed


_libc = None


def _setns(fd):
    global _libc
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, os.CLONE_NEWNET)
        return
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


def _subnet(pid):
    """The /30 of this pid inside 198.18.0.0/15: 32768 blocks, so concurrent runs differ."""
    block = pid % 32768
    base = (198 << 24) | (18 << 16) | (block * 4)
    dotted = lambda value: ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))  # noqa: E731
    return dotted(base + 1), dotted(base + 2)


class NetnsPair:
    """rtse-srv-<pid> (server_ip, on veth `rtse-s`) and rtse-cli-<pid> (client_ip, on veth
    `rtse-c`), lo up in both; a /30 between them, nothing else: no route out."""

    def __init__(self, tag=None):
        pid = os.getpid()
        suffix = f"{pid}" if tag is None else f"{pid}-{tag}"
        self.server_ns = f"{PREFIX}srv-{suffix}"
        self.client_ns = f"{PREFIX}cli-{suffix}"
        self.server_ip, self.client_ip = _subnet(pid)
        self.server_dev, self.client_dev = "rtse-s", "rtse-c"
        self.processes = []
        self.created = []

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self):
        if shutil.which("ip") is None:
            raise NetnsUnavailable("`ip` (iproute2) is not installed")
        remove_stale()
        for ns in (self.server_ns, self.client_ns):
            if ns in namespaces():  # this pid's own, from an earlier test that failed to clean up
                _delete(ns)
        try:
            _ip("netns", "add", self.server_ns)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise NetnsUnavailable(f"cannot create a network namespace ({error}); "
                                   "these tests need root with CAP_SYS_ADMIN and CAP_NET_ADMIN") from None
        self.created.append(self.server_ns)
        try:
            _ip("netns", "add", self.client_ns)
            self.created.append(self.client_ns)
            srv, cli = self.server_ns, self.client_ns
            # Both ends born inside their namespaces: no name in the root namespace, ever.
            _ip("link", "add", self.server_dev, "netns", srv, "type", "veth",
                "peer", "name", self.client_dev, "netns", cli)
            for ns, dev, ip in ((srv, self.server_dev, self.server_ip), (cli, self.client_dev, self.client_ip)):
                _ip("-n", ns, "link", "set", "lo", "up")
                _ip("-n", ns, "addr", "add", f"{ip}/30", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
            self._wait_link()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_link(self):
        """Waits until both veth ends report carrier (LOWER_UP): usually at once; IPv4 on
        veth has no duplicate address detection to wait for."""
        for _ in range(100):
            states = [_ip("-n", ns, "-br", "link", "show", "dev", dev).stdout
                      for ns, dev in ((self.server_ns, self.server_dev), (self.client_ns, self.client_dev))]
            if all("LOWER_UP" in state and " UP " in f" {state.split()[1]} " for state in states):
                return
            time.sleep(0.05)
        raise OSError(f"veth {self.server_dev}/{self.client_dev} never came up: {states}")

    def __exit__(self, *_):
        self.close()

    def close(self):
        """Stops every process started through the pair (SIGTERM, then SIGKILL, by PID),
        then whatever else is still inside the namespaces, then deletes them."""
        for process in reversed(self.processes):
            stop_process(process)
        self.processes.clear()
        for ns in reversed(self.created):
            _delete(ns)
        self.created.clear()

    # -- running things ---------------------------------------------------------------------

    def prefix(self, ns):
        return ["ip", "netns", "exec", ns]

    def run_in_server(self, cmd, **kwargs):
        """subprocess.run of `cmd` inside the server namespace (timeout 60 s unless given)."""
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(self.prefix(self.server_ns) + list(cmd), **kwargs)

    def run_in_client(self, cmd, **kwargs):
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(self.prefix(self.client_ns) + list(cmd), **kwargs)

    def popen_in_server(self, cmd, **kwargs):
        """A process inside the server namespace, stopped by PID on close. `ip netns exec`
        execs the command, so the Popen's pid is the command's own."""
        return self._popen(self.server_ns, cmd, kwargs)

    def popen_in_client(self, cmd, **kwargs):
        """A process inside the client namespace, stopped by PID on close. Its own
        session (process group), so helpers it forks (chromium's) go with it."""
        kwargs.setdefault("start_new_session", True)
        process = self._popen(self.client_ns, cmd, kwargs)
        process.rtse_group = kwargs["start_new_session"]
        return process

    def _popen(self, ns, cmd, kwargs):
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen(self.prefix(ns) + list(cmd), **kwargs)
        self.processes.append(process)
        return process

    def enter_server(self):
        """Moves the calling thread into the server namespace for the block: sockets it
        opens, threads and processes it starts (subprocess.Popen without a prefix, the
        harness's Server, ffmpeg, ffprobe) are all inside. Threads that already exist keep
        their namespace. Back in the namespace it came from afterwards."""
        return self._enter(self.server_ns)

    def enter_client(self):
        """The same for the client namespace (e.g. to check a port there); nests."""
        return self._enter(self.client_ns)

    @contextlib.contextmanager
    def _enter(self, ns):
        # setns(CLONE_NEWNET) moves only the calling thread; new threads and children
        # inherit it. The mount namespace is left alone, so /run/netns stays visible.
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                _setns(target)
            finally:
                os.close(target)
            try:
                yield self
            finally:
                _setns(own)
        finally:
            os.close(own)


def stop_process(process, timeout=5.0):
    """SIGTERM, then SIGKILL after `timeout`, by PID; for a process group leader (its own
    session) the whole group gets the SIGKILL, so no helper outlives it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(5)
    if getattr(process, "rtse_group", False):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # helpers left behind by the leader
    return process.returncode


def skip(reason):
    """Exits SKIP_CODE with a message saying why: ctest reports the test as skipped."""
    print(f"SKIP: {reason}", flush=True)
    raise SystemExit(SKIP_CODE)
