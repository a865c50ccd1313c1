"""A failover driven through gregor's HTTP control plane, with only the
Python standard library: stop the leader's broker, wait for the ISR to
shrink, restart it, wait for the ISR to be whole again and every replica
to have the records. Usage: failover.py BASE_URL TOPIC RECORDS"""

import json
import sys
import urllib.error
import urllib.request

base, topic, records = sys.argv[1], sys.argv[2], int(sys.argv[3])


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()}")


part = call("GET", f"/v1/topics/{topic}/partitions/0")
old = part["leader"]
call("POST", f"/v1/brokers/{old}/stop")
part = call("POST", "/v1/wait/isr", {"topic": topic, "partition": 0, "isr_size": 2, "timeout": "10s"})
new = part["leader"]
call("POST", f"/v1/brokers/{old}/start")
call("POST", "/v1/wait/isr", {"topic": topic, "partition": 0, "isr": part["replicas"]})
part = call("POST", "/v1/wait/offset", {"topic": topic, "partition": 0, "offset": records})
print(json.dumps({
    "old_leader": old,
    "new_leader": new,
    "isr": sorted(part["isr"]),
    "log_end_offsets": sorted(r["log_end_offset"] for r in part["replica_states"]),
}))
