"""For load.py: the proof, from the database, that no write was lost or duplicated; and a
sampler of who waits for which row lock during a phase."""

import re
import threading
from collections import Counter, defaultdict
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row

MARKER = re.compile(r"writer-(\d+)/seq-(\d+)$")
TELLER = re.compile(r"^teller=(\d+) ")


class Write(Protocol):
    writer: int
    opgave: str
    marker: str
    attempts: list[tuple[str, int]]
    versie: int | None

    @property
    def succeeded(self) -> bool: ...


HISTORIE_SQL = """
SELECT h.id, h.object_id::text AS opgave, h.versie, h.actie, h.door, h.verzoek_id, h.voor, h.na,
       h.geom_voor IS NOT DISTINCT FROM lag(h.geom_na) OVER w AS geom_chained,
       ST_OrderingEquals(h.geom_na, o.geom) AS geom_current
FROM historie h JOIN opgave o ON o.id = h.object_id
WHERE h.soort = 'opgave' AND h.object_id = ANY(%(hot)s::uuid[])
WINDOW w AS (PARTITION BY h.object_id ORDER BY h.id)
ORDER BY h.object_id, h.id
"""
CURRENT_SQL = """
SELECT id::text AS opgave, to_jsonb(o) - 'geom' AS rij FROM opgave o WHERE id = ANY(%(hot)s::uuid[])
"""


def teller(values: dict[str, Any] | None) -> int:
    found = TELLER.match((values or {}).get("beschrijving") or "")
    return int(found.group(1)) if found else 0


def prove(
    url: str, hot: list[str], writes: list[Write], if_match: bool, since: int
) -> list[dict[str, Any]]:
    """Check, per hot opgave, that the historie and the final row agree with what the
    clients saw; return one row per check (result "ok", "FOUT", or "info")."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(HISTORIE_SQL, {"hot": hot}):
            history[row["opgave"]].append(row)
        current = {r["opgave"]: r["rij"] for r in conn.execute(CURRENT_SQL, {"hot": hot})}
        stray = conn.execute(
            "SELECT count(*) AS n FROM historie WHERE id > %(since)s"
            " AND NOT (soort = 'opgave' AND object_id = ANY(%(hot)s::uuid[])"
            "          AND actie = 'gewijzigd' AND door LIKE 'writer-%%')",
            {"since": since, "hot": hot},
        ).fetchone()
    ok: dict[str, list[str]] = defaultdict(list)  # check -> the opgaven where it failed
    lost_increments = 0
    for opgave in hot:
        rows = history[opgave]
        mine = [w for w in writes if w.opgave == opgave and w.succeeded]
        first, changes = rows[0], rows[1:]
        if first["actie"] != "aangemaakt" or any(r["actie"] != "gewijzigd" for r in changes):
            ok["1"].append(opgave)
        if len(changes) != len(mine):
            ok["1"].append(opgave)
        if current[opgave]["versie"] != first["na"]["versie"] + len(mine):
            ok["2"].append(opgave)
        for before, row in zip(rows, changes, strict=False):
            if not (
                row["voor"] == before["na"]
                and row["na"]["versie"] == row["voor"]["versie"] + 1
                and row["versie"] == row["na"]["versie"]
                and row["geom_chained"]
            ):
                ok["3"].append(opgave)
                break
        if rows[-1]["na"] != current[opgave] or not rows[-1]["geom_current"]:
            ok["4"].append(opgave)
        # Each successful write's marker once, from its writer, with the request id of the
        # attempt that got the 200; a 412's request id never.
        expected = {w.marker: (f"writer-{w.writer}", w.attempts[-1][0]) for w in mine}
        found = [
            (MARKER.search(r["na"]["beschrijving"]), r["door"], r["verzoek_id"]) for r in changes
        ]
        markers = Counter(m.group(0) if m else None for m, _, _ in found)
        if markers != Counter(list(expected)) or any(
            m is None or expected.get(m.group(0)) != (door, verzoek) for m, door, verzoek in found
        ):
            ok["5"].append(opgave)
        if sorted(w.versie for w in mine) != list(
            range(first["na"]["versie"] + 1, first["na"]["versie"] + len(mine) + 1)
        ):
            ok["6"].append(opgave)
        lost_increments += sum(teller(r["na"]) != teller(r["voor"]) + 1 for r in changes)

    succeeded = sum(w.succeeded for w in writes)
    attempts_412 = sum(s == 412 for w in writes for _, s in w.attempts)

    def result(check: str) -> str:
        return "FOUT" if ok[check] else "ok"

    def where(check: str) -> str:
        return f"fails for {sorted(set(ok[check]))}" if ok[check] else f"{len(hot)} opgaven"

    return [
        {"check": "1. one 'gewijzigd' historie row per 200 PATCH", "result": result("1"),
         "detail": f"{succeeded} writes; {where('1')}"},
        {"check": "2. final versie = first versie + writes", "result": result("2"),
         "detail": where("2")},
        {"check": "3. voor = previous na (fields and geometry), versie +1", "result": result("3"),
         "detail": where("3")},
        {"check": "4. last historie na = current row", "result": result("4"),
         "detail": where("4")},
        {"check": "5. each marker once, by its writer, with the 200's request id",
         "result": result("5"), "detail": f"{attempts_412} refused attempts absent; {where('5')}"},
        {"check": "6. the 200s' ETags: each versie once, no gap", "result": result("6"),
         "detail": where("6")},
        {"check": "7. no other historie rows since the phase began",
         "result": "FOUT" if stray["n"] else "ok", "detail": f"{stray['n']} others"},
        {"check": "8. teller +1 per write (no lost update)",
         "result": ("FOUT" if lost_increments else "ok") if if_match else "info",
         "detail": f"{lost_increments} of {succeeded} writes overwrote an increment unseen"},
    ]  # fmt: skip


def historie_high_water(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM historie").fetchone()
        return int(row[0]) if row else 0


SAMPLE_SQL = """
SELECT coalesce(t.relation::regclass::text, 'other: ' || a.wait_event) AS rel, count(*) AS n
FROM pg_stat_activity a LEFT JOIN pg_locks t ON t.pid = a.pid AND t.locktype = 'tuple'
WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
GROUP BY 1
UNION ALL
SELECT 'active', count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
"""


class LockSampler(threading.Thread):
    """Ten times a second, count the backends waiting for a row lock, by the table of the
    row (a waiter holds or awaits a tuple lock on it), and the active backends."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.halt = threading.Event()
        self.totals: Counter[str] = Counter()
        self.samples = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.halt.wait(0.1):
                for rel, n in conn.execute(SAMPLE_SQL):
                    self.totals[rel] += n
                self.samples += 1

    def finish(self) -> dict[str, Any]:
        """Stop; return the average number of active backends, and of those waiting for
        a lock, per table of the row (or kind of lock), over the samples."""
        self.halt.set()
        self.join()
        samples = max(self.samples, 1)
        active = self.totals.pop("active", 0)
        waits = ", ".join(
            f"{rel} {n / samples:.2f}"
            for rel, n in self.totals.most_common()
            if n / samples >= 0.01
        )
        return {"active backends": round(active / samples, 2), "lock waits": waits or "-"}
