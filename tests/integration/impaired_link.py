"""A lossy, slow path between an SRT caller and rtsedge, made by the test itself:
`tc netem` on a veth pair into a network namespace where the kernel and the
permissions allow it, else a UDP relay on loopback that drops and delays
datagrams the same way. Both give the caller an address to dial."""

import heapq
import random
import shutil
import socket
import subprocess
import threading
import time


class UdpImpairment:
    """Relays datagrams between one caller and 127.0.0.1:target_port. In one direction
    it drops `loss` of them and delays the rest by `delay` seconds, give or take up to
    `jitter` (so datagrams overtake each other: reordering); the other is left alone, as
    netem on one side of a link does. That direction is the caller's sending (a
    publisher's media), or with `impair_replies` the target's (a pull's media)."""

    def __init__(self, target_port, loss, delay, seed=1, impair_replies=False, jitter=0.0):
        self.impair_replies = impair_replies
        self.target = ("127.0.0.1", target_port)
        self.loss = loss
        self.delay = delay
        self.jitter = jitter
        self.random = random.Random(seed)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.caller = None
        self.queue = []  # (due, sequence, socket, datagram, address)
        self.sequence = 0
        self.lock = threading.Condition()
        self.running = True
        self.forwarded = 0
        self.dropped = 0
        self.reordered = 0  # datagrams sent after one that arrived later
        self.latest_sent = 0
        self.threads = [threading.Thread(target=self.receive, args=(self.front, True), daemon=True),
                        threading.Thread(target=self.receive, args=(self.back, False), daemon=True),
                        threading.Thread(target=self.send, daemon=True)]
        for thread in self.threads:
            thread.start()

    def receive(self, sock, towards_target):
        sock.settimeout(0.2)
        while self.running:
            try:
                data, address = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if towards_target:
                self.caller = address
                route = (self.back, self.target)
            elif self.caller is None:
                continue
            else:
                route = (self.front, self.caller)
            impaired = towards_target != self.impair_replies
            if impaired and self.random.random() < self.loss:
                self.dropped += 1
                continue
            delay = self.delay + self.random.uniform(-self.jitter, self.jitter) if impaired else 0.0
            with self.lock:
                self.sequence += 1
                heapq.heappush(self.queue, (time.monotonic() + delay, self.sequence, *route, data))
                self.lock.notify()

    def send(self):
        while self.running:
            with self.lock:
                while self.running and (not self.queue or self.queue[0][0] > time.monotonic()):
                    self.lock.wait(0.005 if self.queue else 0.2)
                if not self.running:
                    return
                _, sequence, sock, address, data = heapq.heappop(self.queue)
                if sequence < self.latest_sent:
                    self.reordered += 1
                self.latest_sent = max(self.latest_sent, sequence)
            try:
                sock.sendto(data, address)
                self.forwarded += 1
            except OSError:
                pass

    def close(self):
        self.running = False
        with self.lock:
            self.lock.notify_all()
        for thread in self.threads:
            thread.join(2)
        self.front.close()
        self.back.close()


class NetemLink:
    """A veth pair between the root namespace and a namespace of the test's own,
    netem (loss, delay, jitter: reordering) on the namespace's side: what the caller
    sends is impaired."""

    def __init__(self, name, loss, delay, jitter=0.0):
        self.name = name
        self.host_ip, self.peer_ip = "10.231.77.1", "10.231.77.2"
        self.host_dev, self.peer_dev = f"{name[:8]}-h", f"{name[:8]}-n"
        commands = [
            ["ip", "netns", "add", name],
            ["ip", "link", "add", self.host_dev, "type", "veth", "peer", "name", self.peer_dev],
            ["ip", "link", "set", self.peer_dev, "netns", name],
            ["ip", "addr", "add", f"{self.host_ip}/24", "dev", self.host_dev],
            ["ip", "link", "set", self.host_dev, "up"],
            ["ip", "netns", "exec", name, "ip", "addr", "add", f"{self.peer_ip}/24", "dev", self.peer_dev],
            ["ip", "netns", "exec", name, "ip", "link", "set", self.peer_dev, "up"],
            ["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", self.peer_dev, "root", "netem",
             "loss", f"{loss * 100:g}%", "delay", f"{int(delay * 1000)}ms", f"{int(jitter * 1000)}ms"],
        ]
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
            if result.returncode != 0:
                self.close()
                raise OSError(f"{' '.join(command)}: {result.stderr.strip()}")

    def prefix(self):
        """What runs a command inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def close(self):
        subprocess.run(["ip", "link", "del", self.host_dev], capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)


def netem_link(name, loss, delay, jitter=0.0):
    """A NetemLink, or (None, why not) where this machine cannot make one."""
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return None, "ip/tc (iproute2) not installed"
    try:
        return NetemLink(name, loss, delay, jitter), None
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
