"""For abuse.py: the clients (heavy ad-hoc stapelingen, a login flood, ordinary readers, a
health poller), each a loop that ends at a deadline, and the server's memory from /proc.

Times are `time.monotonic()`, which on Linux is one clock for every process, so the abusers
in their own process and the readers in the main one share the deadline.
"""

import http.client
import re
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import shapely
from load_clients import Answer, Client

RD_HEADER = {"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# Which limit a 503 came from, by its problem detail (or the login page's text).
REASONS = (
    ("losse stapelingsanalyses", "slot"),
    ("te druk bezet", "pool"),
    ("database", "db"),
    ("veel ingelogd", "hashes"),
)
Record = tuple[str, str, float]  # kind, status label, ms


def label(answer: Answer) -> str:
    """The status, and for a 503 which limit answered (or that Retry-After was missing)."""
    if answer.status != 503:
        return str(answer.status)
    if "retry-after" not in answer.headers:
        return "503 no Retry-After"
    text = answer.body.decode(errors="replace")
    return "503 " + next((reason for key, reason in REASONS if key in text), "other")


def pause(answer: Answer, deadline: float, most: float = 1.0) -> None:
    """Respect Retry-After, but for at most `most` seconds (the pressure stays high)."""
    retry = answer.headers.get("retry-after", "")
    if retry.isdigit():
        time.sleep(max(0.0, min(float(retry), most, deadline - time.monotonic())))


def comb(box: tuple[float, float, float, float], teeth: int) -> shapely.Polygon:
    """A comb over `box` (RD): a spine along the bottom tenth and `teeth` teeth, 4 vertices
    each; the gaps are as wide as the teeth."""
    x0, y0, x1, y1 = box
    pitch = (x1 - x0) / (teeth - 0.5)
    spine = y0 + (y1 - y0) / 10
    ring = [(x1, y0), (x0, y0)]
    for i in range(teeth):
        left = x0 + i * pitch
        right = min(left + pitch / 2, x1)
        ring += [(left, y1), (right, y1)]
        if i < teeth - 1:
            ring += [(right, spine), (left + pitch, spine)]
    return shapely.Polygon(ring)


def heavy(
    port: int, token: str | None, body: dict[str, Any], deadline: float, every: float
) -> list[Record]:
    """POST the drawn comb until the deadline; after a 503 wait as Retry-After says (at most
    1 s), and else `every` seconds from one start to the next."""
    client, records = Client(port, token), []
    kind = "POST stapeling " + ("planner" if token else "anoniem")
    while time.monotonic() < deadline:
        start = time.monotonic()
        answer = client.call("POST", "/api/v1/stapeling", body, RD_HEADER)
        records.append((kind, label(answer), answer.ms))
        if answer.status == 503:
            pause(answer, deadline)
        else:
            time.sleep(max(0.0, min(start + every, deadline) - time.monotonic()))
    return records


def login_flood(port: int, k: int, deadline: float) -> list[Record]:
    """GET the login form and POST a wrong password for a random name, in a loop."""
    client, records, seq = Client(port, None), [], 0
    while time.monotonic() < deadline:
        seq += 1
        form = client.call("GET", "/inloggen")
        records.append(("GET inloggen", label(form), form.ms))
        found = CSRF.search(form.body.decode(errors="replace"))
        cookie = form.headers.get("set-cookie", "").split(";")[0]
        if not found or not cookie:
            continue
        data = {"naam": f"x{k}-{seq}", "wachtwoord": "fout", "csrf": found[1]}
        answer = post_form(client, "/inloggen", data, cookie)
        records.append(("POST inloggen", label(answer), answer.ms))
    return records


def post_form(client: Client, path: str, data: dict[str, str], cookie: str) -> Answer:
    """POST a form through the client's connection (Client.call sends JSON only)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    start = time.perf_counter()
    try:
        client.conn.request("POST", path, urlencode(data), headers)
        response = client.conn.getresponse()
        content = response.read()
    except (OSError, http.client.HTTPException):
        client.conn.close()
        return Answer(0, {}, b"", (time.perf_counter() - start) * 1000)
    ms = (time.perf_counter() - start) * 1000
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, content, ms)


def reader(port: int, paths: list[tuple[str, str]], k: int, deadline: float) -> list[Record]:
    """GET the (kind, path)s in turn, each reader starting at another one."""
    client, records, turn = Client(port, None), [], k
    while time.monotonic() < deadline:
        kind, path = paths[turn % len(paths)]
        turn += 1
        answer = client.call("GET", path)
        records.append((kind, label(answer), answer.ms))
    return records


def health(port: int, deadline: float, every: float = 0.5) -> list[Record]:
    client, records = Client(port, None), []
    while time.monotonic() < deadline:
        start = time.monotonic()
        answer = client.call("GET", "/health")
        records.append(("GET /health", label(answer), answer.ms))
        time.sleep(max(0.0, min(start + every, deadline) - time.monotonic()))
    return records


def run_threads(jobs: Sequence[Callable[[], list[Record]]]) -> list[Record]:
    """Run every job in a thread of its own; return all their records."""
    results: list[list[Record]] = [[] for _ in jobs]

    def run(i: int) -> None:
        results[i] = jobs[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [record for part in results for record in part]


def abusers(
    port: int, token: str, body: dict[str, Any], start: float, duur: float, heavies: int,
    logins: int,
) -> list[Record]:  # fmt: skip
    """In a process of its own: the heavy clients, one planner, and the login flood."""
    deadline = start + duur
    time.sleep(max(0.0, start - time.monotonic()))
    jobs = [partial(heavy, port, None, body, deadline, 0.0) for _ in range(heavies)]
    if heavies:
        jobs.append(partial(heavy, port, token, body, deadline, 5.0))
    jobs += [partial(login_flood, port, k, deadline) for k in range(logins)]
    return run_threads(jobs)


class MemorySampler(threading.Thread):
    """Every 0.25 s the memory of a process and its descendants (children of the fork
    server of heavy work included): VmRSS summed, which counts the pages forked children
    share with the fork server once per child; Pss summed (each shared page split among
    those that share it: what they take together); and the process's own VmRSS. At the
    end, VmHWM."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop, self.peak_rss_kb, self.hwm_kb = pid, threading.Event(), 0, 0
        self.peak_pss_kb = self.peak_own_kb = 0

    def pids(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo += [int(c) for c in children]
        return found

    def status(self, key: str, pids: list[int], name: str = "status") -> int:
        total = 0
        for pid in pids:
            try:
                lines = Path(f"/proc/{pid}/{name}").read_text().splitlines()
            except OSError:
                continue
            total += sum(int(line.split()[1]) for line in lines if line.startswith(key + ":"))
        return total

    def run(self) -> None:
        while not self.stop.wait(0.25):
            pids = self.pids()
            self.peak_rss_kb = max(self.peak_rss_kb, self.status("VmRSS", pids))
            self.peak_pss_kb = max(self.peak_pss_kb, self.status("Pss", pids, "smaps_rollup"))
            self.peak_own_kb = max(self.peak_own_kb, self.status("VmRSS", [self.pid]))
            self.hwm_kb = max(self.hwm_kb, self.status("VmHWM", pids))
