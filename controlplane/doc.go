// Package controlplane is gregor's HTTP control plane: what a test or a
// learner can see and do to a running cluster that a Kafka client cannot,
// as JSON over HTTP, for programs not written in Go. It serves, on the
// same port, the cluster's Prometheus metrics (package metrics).
//
// It is the HTTP face of broker.Cluster's Go control surface
// (broker/control.go, broker/wait.go, broker/introspect.go,
// broker/groups_introspect.go): each endpoint calls one method and
// returns when the cluster has applied it. Serve it with
// Cluster.ListenHTTP(addr, controlplane.Handler(c)) or an
// httptest.Server; the tiny broker serves it on --http-port.
//
// Every path is versioned (/v1/...). Bodies are JSON; field names are
// snake_case. Errors are a 4xx or 5xx status with {"error": "..."}: 400 for
// a malformed body or parameter, 404 for an unknown broker, topic,
// partition, group or fault, 409 for an action the cluster cannot take
// (advancing a real clock), 408 when a wait times out, 503 when a group's
// coordinator is down.
//
// Read the cluster:
//
//	GET  /metrics                                    Prometheus text format
//	GET  /v1/cluster                                 cluster id, controller, brokers (id, address, running)
//	GET  /v1/topics                                  topics (name, id, partitions, replication factor, configs)
//	GET  /v1/topics/{topic}                          the topic's partitions, as below
//	GET  /v1/topics/{topic}/partitions/{partition}   leader, epoch, replicas, ISR, offline replicas, and per
//	                                                 replica the log start offset, high watermark, log end
//	                                                 offset and segments
//	GET  /v1/groups                                  groups (id, protocol, state, coordinator)
//	GET  /v1/groups/{group}                          state, generation, members with assignments, lag per partition
//	GET  /v1/transactions[?state=Ongoing]            transactional ids: producer id and epoch, state, partitions, coordinator
//	GET  /v1/reassignments                           partition reassignments in progress: replicas, target, adding and
//	                                                 removing replicas, ISR, and per new replica its log end offset,
//	                                                 lag behind the leader and bytes copied
//	GET  /v1/quotas                                  client quotas: entity (user, client-id, ip; null is the default), values
//
// Act on it:
//
//	POST /v1/brokers/{id}/stop                       controlled shutdown (Cluster.StopBroker)
//	POST /v1/brokers/{id}/crash                      abrupt stop (Cluster.CrashBroker)
//	POST /v1/brokers/{id}/start                      restart (Cluster.StartBroker)
//	POST /v1/replication/pause                       {"topic","partition","broker"}: a follower stops fetching
//	POST /v1/replication/resume                      {"topic","partition","broker"}
//	POST /v1/clock/advance                           {"duration":"30s"}: moves a manual clock (409 on a real one)
//
// Wait for it (each body takes "timeout", a Go duration, default 30s,
// measured on the cluster's clock: on a manual clock it passes only as the
// clock is advanced; the wait also ends when the client goes away):
//
//	POST /v1/wait/group                              {"group","members"}: Stable with exactly that many members
//	POST /v1/wait/isr                                {"topic","partition","isr":[1,2,3]} or {"...","isr_size":3}
//	POST /v1/wait/offset                             {"topic","partition","offset"}: the high watermark reached offset
//	POST /v1/wait/reassignments                      {"topics":["t"]} (or {} for all): no reassignment in progress
//
// Follow it:
//
//	GET  /v1/events                                  server-sent events, one per group event (join, leave,
//	                                                 rebalance, assignment, commit...), "event: group", data
//	                                                 the event as JSON; a ": subscribed" comment comes first,
//	                                                 once no later event can be missed
//
// Disturb it (broker.Cluster.InjectFault, broker/faults.go), and see what
// its clients asked (broker.Cluster.Requests, broker/history.go):
//
//	POST   /v1/faults                                {"api":"Produce","topic","partitions":[0],"client_id","broker",
//	                                                 "times":1,"error":"NOT_LEADER_OR_FOLLOWER"}: 201 {"id":N}.
//	                                                 "api" is a Kafka API name, its key, or "any"; the selectors
//	                                                 left out match everything (broker 0 is every broker); times
//	                                                 0 is every request until deleted. At least one effect:
//	                                                 "error" (a Kafka error name or code), "delay_ms" (on the
//	                                                 cluster clock), "drop_response", "drop_request",
//	                                                 "close_before", "close_after"
//	GET    /v1/faults                                the faults in force, with the applications left
//	DELETE /v1/faults/{id}                           removes one; 404 once deleted or used up
//	GET    /v1/requests                              the request history, oldest first: seq, broker, api, version,
//	                                                 client id, connection, time, the error codes answered (and
//	                                                 their names), the fault that disturbed it. Parameters ?api=
//	                                                 (name or key), ?client_id=, ?broker=, ?limit=N (the newest N)
package controlplane
