"""The checks' harness shared by gregor_compat.py and gregor_librdkafka.py:
each check prints one JSON line that the Go test turns into a subtest named
after the feature it proves."""

import json
import traceback
import uuid

RUN = uuid.uuid4().hex[:8]
# Bounded waits: a check that has not seen what it expects by then fails.
DEADLINE_S = 30


def report(feature, ok, detail=""):
    print(json.dumps({"feature": feature, "ok": ok, "detail": detail}), flush=True)


def check(feature):
    def wrap(fn):
        try:
            fn()
        except Exception:  # the failure belongs to this feature alone
            report(feature, False, traceback.format_exc())
        else:
            report(feature, True)
        return fn
    return wrap


def expect(cond, what):
    if not cond:
        raise AssertionError(what)
