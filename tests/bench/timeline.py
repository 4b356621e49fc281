#!/usr/bin/env python3
"""Where one build's time went, from its `docker buildx build --progress=rawjson` output.

    tests/bench/timeline.py LOG             every step by start time, then the critical path
    tests/bench/timeline.py --path LOG      the critical path alone

Times are seconds from the first step's start. A step's line shows its start, end, length, and
C when BuildKit found it in a cache; under it, the parts BuildKit reported that took 50 ms or
more (a layer's download or unpacking, the context's transfer, the image's layers).

The critical path walks back from the step that ended last, each time to the step that ended
last before this one started (of those ending together, an input of it first): BuildKit reports
cached steps when asked for them, and exports and steps the frontend solves apart with no
inputs, so what held a step up is best read from the clock. Each link shows
what it added (from the later of its start and the end of the link before, to its end), and the
time between links when nothing on the path ran (the frontend reading and planning, BuildKit
starting a step).
"""

import base64
import json
import sys
from datetime import datetime

MIN_PART = 0.05
# Shorter than this, a step did nothing that anything waited for.
MOMENT = 0.01


def seconds(stamp):
    """An RFC 3339 time with nanoseconds (which Python does not parse) as epoch seconds."""
    if not stamp:
        return None
    stamp = stamp.replace("Z", "+00:00")
    head, _, rest = stamp.partition(".")
    if rest:
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        zone = rest[len(digits):]
        stamp = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(stamp).timestamp()


def status_objects(text):
    """The JSON objects of the log, one after the other, however they are laid out."""
    decoder = json.JSONDecoder()
    at = 0
    while True:
        start = text.find("{", at)
        if start < 0:
            return
        try:
            value, at = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        if isinstance(value, dict):
            yield value


class Step:
    def __init__(self, name):
        self.name = name
        self.start = None
        self.end = None
        self.cached = False
        self.inputs = set()
        self.parts = {}

    def span(self, start, end):
        if start is not None:
            self.start = start if self.start is None else min(self.start, start)
        if end is not None:
            self.end = end if self.end is None else max(self.end, end)


def read(path):
    steps = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    for update in status_objects(text):
        for vertex in update.get("vertexes") or []:
            step = steps.setdefault(vertex["digest"], Step(vertex.get("name", "")))
            step.name = vertex.get("name") or step.name
            step.span(seconds(vertex.get("started")), seconds(vertex.get("completed")))
            step.cached = step.cached or bool(vertex.get("cached"))
            step.inputs.update(vertex.get("inputs") or [])
        for status in update.get("statuses") or []:
            step = steps.setdefault(status["vertex"], Step(""))
            started, completed = seconds(status.get("started")), seconds(status.get("completed"))
            if started is None:
                continue
            known = step.parts.get(status.get("id", ""), (started, completed))
            end = max(filter(None, [known[1], completed]), default=None)
            step.parts[status.get("id", "")] = (min(known[0], started), end)
    return {digest: step for digest, step in steps.items() if step.start is not None}


def critical_path(steps):
    done = [step for step in steps.values() if step.end is not None]
    if not done:
        return []
    step = max(done, key=lambda s: s.end)
    chain = [step]
    while True:
        earlier = [s for s in done if s.end <= step.start + MOMENT and s not in chain]
        # The last to end before this step started held it up; of those ending together, an input
        # of this step before any other, then the one that worked longest.
        inputs = {steps[d] for d in step.inputs if d in steps}
        step = max(earlier, key=lambda s: (round(s.end / MOMENT), s in inputs, s.end - s.start), default=None)
        if step is None:
            break
        chain.append(step)
    chain.reverse()
    return chain


def show(value):
    return f"{value:6.2f}" if value is not None else "     -"


def main(argv):
    path_only = "--path" in argv
    files = [a for a in argv if a != "--path"]
    if len(files) != 1:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    steps = read(files[0])
    if not steps:
        print(f"{files[0]}: no steps (is it --progress=rawjson output?)", file=sys.stderr)
        return 1
    origin = min(step.start for step in steps.values())
    at = lambda t: None if t is None else t - origin  # noqa: E731
    if not path_only:
        print(" start    end    secs    step")
        for step in sorted(steps.values(), key=lambda s: (s.start, s.end or 0)):
            length = None if step.end is None else step.end - step.start
            print(f"{show(at(step.start))} {show(at(step.end))} {show(length)} {'C' if step.cached else ' '} {step.name}")
            for part, (start, end) in sorted(step.parts.items(), key=lambda p: p[1][0]):
                if end is not None and end - start >= MIN_PART:
                    print(f"        {show(at(start))} {show(at(end))} {show(end - start)}   {part[:90]}")
        print()
    chain = critical_path(steps)
    total = chain[-1].end - origin if chain else 0
    print(f"critical path, {total:.2f} s (links under {MOMENT * 1000:.0f} ms left out):")
    before, idle = origin, 0.0
    for step in chain:
        # Time between links: where nothing on the path ran.
        idle += max(0.0, step.start - before)
        added = step.end - max(step.start, before)
        before = max(before, step.end)
        if added < MOMENT:
            continue
        if idle >= MOMENT:
            print(f"  {show(idle)}  (between steps: the frontend, or BuildKit starting the next)")
        idle = 0.0
        print(f"  {show(added)}  {step.name}{'  (cached)' if step.cached else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
