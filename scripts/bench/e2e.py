"""Reads Cdp.Local's data folder during and after a load run (scripts/bench.sh e2e): when every message the collector
acknowledged has been applied, and how long each took. The collector commits a request's messages to the embedded
log (`event_records`, with the time of the commit) before it replies; ingest records each applied message in
`profile_events` (with the time, in the commit that writes its profile); the segment worker records entries in
`segment_transitions`.

Usage: e2e.py applied DB START   waits until ingest has checkpointed every record, prints JSON (messages, seconds)
       e2e.py latency DB SEGMENT waits until ingest caught up and entries into SEGMENT stopped, prints JSON percentiles in ms
"""
import json
import re
import sqlite3
import sys
import time
from datetime import datetime


def parse(text):
    """A stored time ("2026-12-04T15:40:00.1234567+00:00" or "…Z"): Python reads at most 6 fraction digits."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def connect(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def behind(db):
    """How many log records ingest has not checkpointed past."""
    ends = db.execute("SELECT partition, MAX(seq) FROM event_records GROUP BY partition").fetchall()
    done = dict(db.execute("SELECT partition, position FROM checkpoints WHERE consumer = 'ingest'").fetchall())
    return sum(1 for partition, end in ends if done.get(partition, 0) < end)


def applied(path, start):
    db = connect(path)
    deadline = time.time() + 600
    while behind(db) and time.time() < deadline:
        time.sleep(0.05)
    finished = time.time()
    if behind(db):
        sys.exit("Ingest did not catch up within 10 minutes.")
    messages = db.execute("SELECT COALESCE(SUM(count), 0) FROM event_records").fetchone()[0]
    recorded = db.execute("SELECT COUNT(*) FROM profile_events").fetchone()[0]
    dead = db.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
    print(json.dumps({"messages": messages, "recorded": recorded, "deadLetters": dead, "seconds": finished - float(start)}))


def percentiles(values):
    if not values:
        sys.exit("Nothing to measure: no message applied, or no segment entry recorded.")
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    return {"count": len(values), "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


def latency(path, segment):
    db = connect(path)
    deadline = time.time() + 600
    while behind(db) and time.time() < deadline:
        time.sleep(0.1)
    profiles = db.execute("SELECT COUNT(DISTINCT profile_id) FROM profile_events").fetchone()[0]
    entered = lambda: db.execute("SELECT COUNT(*) FROM segment_transitions WHERE segment_id = ?", (segment,)).fetchone()[0]
    # Every person's identify enters the segment (the warm-up message's person does not): wait until entries stop coming.
    count, since = entered(), time.time()
    while time.time() - since < 3 and time.time() < deadline:
        time.sleep(0.1)
        if entered() != count:
            count, since = entered(), time.time()

    acknowledged = {}
    for body, at in db.execute("SELECT body, appended_at FROM event_records"):
        moment = parse(at)
        for message in json.loads(body):
            acknowledged[message["messageId"]] = moment
    to_profile, first = [], {}
    for profile, message, recorded in db.execute("SELECT profile_id, message_id, recorded_at FROM profile_events"):
        if message in acknowledged:
            to_profile.append(parse(recorded) - acknowledged[message])
            first[profile] = min(first.get(profile, float("inf")), acknowledged[message])
    entries = []
    for body, recorded in db.execute("SELECT body, recorded_at FROM segment_transitions WHERE segment_id = ?", (segment,)):
        transition = json.loads(body)
        if transition["kind"].lower() == "entered" and transition["profileId"] in first:
            entries.append(parse(recorded) - first[transition["profileId"]])
    print(json.dumps({"applied": percentiles(to_profile), "entered": percentiles(entries), "profiles": profiles}))


if __name__ == "__main__":
    {"applied": applied, "latency": latency}[sys.argv[1]](*sys.argv[2:])
