"""Fault injection through gregor's HTTP control plane, with only the
Python standard library: refuse a client's next Produce with
NOT_LEADER_OR_FOLLOWER, inject a second fault that would refuse every
Produce and remove it, and show that the control plane refuses a bad
fault. Usage: faults.py BASE_URL TOPIC CLIENT_ID"""

import json
import sys
import urllib.error
import urllib.request

base, topic, client_id = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body=None):
    """Returns the status and the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def must(method, path, body=None, want=200):
    status, answer = call(method, path, body)
    if status != want:
        sys.exit(f"{method} {path}: {status} {answer}")
    return answer


refuse = must("POST", "/v1/faults", {"api": "Produce", "topic": topic, "client_id": client_id,
                                     "times": 1, "error": "NOT_LEADER_OR_FOLLOWER"}, want=201)["id"]
# Every Produce refused for good, were it not removed.
refuse_all = must("POST", "/v1/faults", {"api": 0, "client_id": client_id, "error": 21}, want=201)["id"]
listed = [f["id"] for f in must("GET", "/v1/faults")]
must("DELETE", f"/v1/faults/{refuse_all}")
kept = [f["id"] for f in must("GET", "/v1/faults")]
again, _ = call("DELETE", f"/v1/faults/{refuse_all}")
bad, answer = call("POST", "/v1/faults", {"api": "Produse", "drop_request": True})
print(json.dumps({
    "listed": listed == [refuse, refuse_all],
    "kept": kept == [refuse],
    "second_delete_status": again,
    "bad_status": bad,
    "bad_error": answer["error"],
}))
