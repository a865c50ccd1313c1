package config

// Notes shared by configs that gregor accepts without effect.
const (
	noteThreads = "gregor runs on Go's scheduler; accepted and reported, no effect"
	noteFsync   = "gregor does not schedule fsyncs by count or time; logs are synced on close; accepted and reported, no effect"
	noteTiered  = "tiered storage is not implemented; accepted and reported, no effect"
	noteLevel   = "gregor compresses with the codec's default level; accepted and reported, no effect"
	noteSocket  = "socket buffer sizes are left to the operating system; accepted and reported, no effect"
)

// brokerDefs are the broker configs gregor knows, with Kafka 4.x defaults.
var brokerDefs = []Def{
	// Identity and layout; gregor sets these itself.
	{Name: "node.id", Type: Int, ReadOnly: true},
	{Name: "broker.id", Type: Int, ReadOnly: true},
	{Name: "process.roles", Type: List, Default: def("broker,controller"), ReadOnly: true},
	{Name: "log.dirs", Type: List, ReadOnly: true},
	{Name: "cluster.id", Type: String, ReadOnly: true, Note: "KRaft keeps it in meta.properties; reported here for convenience"},

	// Authorization (KIP-801's StandardAuthorizer; package acl). Empty
	// authorizer.class.name means no authorizer: everything is allowed.
	{Name: "authorizer.class.name", Type: String, Default: def(""), Check: oneOf("", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")},
	// Kafka's authorizer reads these two itself; gregor also describes them.
	{Name: "super.users", Type: String, Default: def("")},
	{Name: "allow.everyone.if.no.acl.found", Type: Boolean, Default: def("false")},

	// Topics and the log.
	{Name: "auto.create.topics.enable", Type: Boolean, Default: def("true")},
	{Name: "delete.topic.enable", Type: Boolean, Default: def("true")},
	{Name: "num.partitions", Type: Int, Default: def("1"), Check: atLeast(1)},
	{Name: "default.replication.factor", Type: Int, Default: def("1"), Check: atLeast(1)},
	{Name: "message.max.bytes", Type: Int, Default: def("1048588"), Check: atLeast(0)},
	{Name: "log.segment.bytes", Type: Int, Default: def("1073741824"), Check: atLeast(minSegmentBytes)},
	{Name: "log.roll.ms", Type: Long, Check: atLeast(1)},
	{Name: "log.roll.hours", Type: Int, Default: def("168"), Check: atLeast(1)},
	{Name: "log.roll.jitter.ms", Type: Long, Note: "gregor rolls segments without jitter; accepted and reported, no effect"},
	{Name: "log.roll.jitter.hours", Type: Int, Default: def("0"), Check: atLeast(0), Note: "gregor rolls segments without jitter; accepted and reported, no effect"},
	{Name: "log.retention.ms", Type: Long, Check: atLeast(-1)},
	{Name: "log.retention.minutes", Type: Int},
	{Name: "log.retention.hours", Type: Int, Default: def("168")},
	{Name: "log.retention.bytes", Type: Long, Default: def("-1")},
	{Name: "log.retention.check.interval.ms", Type: Long, Default: def("300000"), Check: atLeast(1)},
	{Name: "log.segment.delete.delay.ms", Type: Long, Default: def("60000"), Check: atLeast(0)},
	{Name: "log.cleanup.policy", Type: List, Default: def("delete"), Check: listOf("delete", "compact")},
	{Name: "log.cleaner.enable", Type: Boolean, Default: def("true")},
	{Name: "log.cleaner.delete.retention.ms", Type: Long, Default: def("86400000"), Check: atLeast(0)},
	{Name: "log.cleaner.min.compaction.lag.ms", Type: Long, Default: def("0"), Check: atLeast(0)},
	{Name: "log.cleaner.max.compaction.lag.ms", Type: Long, Default: def(maxLong), Check: atLeast(1)},
	{Name: "log.cleaner.min.cleanable.ratio", Type: Double, Default: def("0.5"), Check: between(0, 1)},
	{Name: "log.cleaner.backoff.ms", Type: Long, Default: def("15000"), Check: atLeast(0)},
	{Name: "log.cleaner.threads", Type: Int, Default: def("1"), Check: atLeast(0), Note: noteThreads},
	{Name: "log.index.interval.bytes", Type: Int, Default: def("4096"), Check: atLeast(0)},
	{Name: "log.index.size.max.bytes", Type: Int, Default: def("10485760"), Check: atLeast(4)},
	{Name: "log.flush.interval.messages", Type: Long, Default: def(maxLong), Check: atLeast(1), Note: noteFsync},
	{Name: "log.flush.interval.ms", Type: Long, Note: noteFsync},
	{Name: "log.flush.scheduler.interval.ms", Type: Long, Default: def(maxLong), Note: noteFsync},
	{Name: "log.preallocate", Type: Boolean, Default: def("false"), Note: "gregor never preallocates segment files; accepted and reported, no effect"},
	{Name: "log.message.timestamp.type", Type: String, Default: def("CreateTime"), Check: oneOf("CreateTime", "LogAppendTime")},
	{Name: "log.message.timestamp.before.max.ms", Type: Long, Default: def(maxLong), Check: atLeast(0)},
	{Name: "log.message.timestamp.after.max.ms", Type: Long, Default: def("3600000"), Check: atLeast(0)},
	{Name: "compression.type", Type: String, Default: def("producer"), Check: oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")},
	{Name: "compression.gzip.level", Type: Int, Default: def("-1"), Check: gzipLevel, Note: noteLevel},
	{Name: "compression.lz4.level", Type: Int, Default: def("9"), Check: lz4Level, Note: noteLevel},
	{Name: "compression.zstd.level", Type: Int, Default: def("3"), Check: zstdLevel, Note: noteLevel},
	{Name: "min.insync.replicas", Type: Int, Default: def("1"), Check: atLeast(1)},
	{Name: "unclean.leader.election.enable", Type: Boolean, Default: def("false")},

	// Network and requests.
	{Name: "socket.request.max.bytes", Type: Int, Default: def("104857600"), Check: atLeast(1)},
	{Name: "socket.send.buffer.bytes", Type: Int, Default: def("102400"), Note: noteSocket},
	{Name: "socket.receive.buffer.bytes", Type: Int, Default: def("102400"), Note: noteSocket},
	{Name: "connections.max.idle.ms", Type: Long, Default: def("600000")},
	{Name: "fetch.max.bytes", Type: Int, Default: def("57671680"), Check: atLeast(1024)},
	{Name: "max.incremental.fetch.session.cache.slots", Type: Int, Default: def("1000"), Check: atLeast(0)},
	{Name: "num.network.threads", Type: Int, Default: def("3"), Check: atLeast(1), Note: noteThreads},
	{Name: "num.io.threads", Type: Int, Default: def("8"), Check: atLeast(1), Note: noteThreads},
	{Name: "num.replica.fetchers", Type: Int, Default: def("1"), Note: noteThreads},
	{Name: "num.recovery.threads.per.data.dir", Type: Int, Default: def("2"), Check: atLeast(1), Note: noteThreads},
	{Name: "background.threads", Type: Int, Default: def("10"), Check: atLeast(1), Note: noteThreads},
	{Name: "queued.max.requests", Type: Int, Default: def("500"), Check: atLeast(1), Note: noteThreads},

	// Listeners and security (broker/listeners_config.go, the security
	// package). The listeners come from these configs and the Host,
	// Ports and Listener options, and are reported as each broker has
	// them.
	{Name: "listeners", Type: List, Default: def("PLAINTEXT://:9092"), ReadOnly: true},
	{Name: "advertised.listeners", Type: List, ReadOnly: true},
	{Name: "listener.security.protocol.map", Type: String, ReadOnly: true,
		Default: def("SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT")},
	{Name: "inter.broker.listener.name", Type: String, ReadOnly: true,
		Note: "replication is in-process and never connects to it; it must still name one of the listeners, as in Kafka"},
	{Name: "security.inter.broker.protocol", Type: String, Default: def("PLAINTEXT"), ReadOnly: true, Check: oneOf("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")},
	{Name: "sasl.enabled.mechanisms", Type: List, Default: def("GSSAPI"), Check: listOf("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"),
		Note: "GSSAPI (Kerberos) is not implemented: a client asking for it gets UNSUPPORTED_SASL_MECHANISM; unless this is set, SASL listeners enable PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (unsecured tokens)"},
	{Name: "sasl.mechanism.inter.broker.protocol", Type: String, Default: def("GSSAPI"), ReadOnly: true, Note: "replication is in-process and never authenticates; accepted and reported, no effect"},
	{Name: "connections.max.reauth.ms", Type: Long, Default: def("0"), Check: atLeast(0)},
	{Name: "sasl.server.max.receive.size", Type: Int, Default: def("524288"), Check: atLeast(1)},
	{Name: "ssl.client.auth", Type: String, Default: def("none"), Check: oneOf("required", "requested", "none")},
	{Name: "ssl.principal.mapping.rules", Type: String, Default: def("DEFAULT")},
	{Name: "ssl.protocol", Type: String, Default: def("TLSv1.3"), Note: "Go's crypto/tls negotiates TLS 1.2 or 1.3; accepted and reported"},
	{Name: "ssl.enabled.protocols", Type: List, Default: def("TLSv1.2,TLSv1.3"), Check: listOf("TLSv1.2", "TLSv1.3")},
	{Name: "ssl.keystore.type", Type: String, Default: def("JKS"), Note: "gregor takes its certificate as a Go tls.Certificate or generates one (TLS option); accepted and reported, no effect"},
	{Name: "ssl.keystore.location", Type: String, Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.keystore.password", Type: Password, Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.key.password", Type: Password, Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.truststore.type", Type: String, Default: def("JKS"), Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.truststore.location", Type: String, Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.truststore.password", Type: Password, Note: "use the TLS option; accepted and reported, no effect"},
	{Name: "ssl.endpoint.identification.algorithm", Type: String, Default: def("https"), Note: "brokers never connect to each other over the network; accepted and reported, no effect"},

	// Replication and the controller.
	// Racks and fetching from followers (KIP-392): each broker's rack is
	// a gregor option (broker.Racks), reported in Metadata; with the
	// rack-aware selector a leader sends a consumer in a rack to an
	// in-sync follower there (broker/fetchfollower.go).
	{Name: "broker.rack", Type: String, ReadOnly: true},
	{Name: "replica.selector.class", Type: String, ReadOnly: true,
		Check: oneOf("org.apache.kafka.common.replica.RackAwareReplicaSelector", "org.apache.kafka.common.replica.LeaderSelector")},
	{Name: "replica.lag.time.max.ms", Type: Long, Default: def("30000")},
	{Name: "replica.fetch.max.bytes", Type: Int, Default: def("1048576"), Check: atLeast(0)},
	{Name: "replica.fetch.wait.max.ms", Type: Int, Default: def("500")},
	{Name: "auto.leader.rebalance.enable", Type: Boolean, Default: def("true")},
	{Name: "leader.imbalance.check.interval.seconds", Type: Long, Default: def("300"), Check: atLeast(1)},
	{Name: "broker.session.timeout.ms", Type: Int, Default: def("9000")},
	{Name: "broker.heartbeat.interval.ms", Type: Int, Default: def("2000")},

	// Group coordinator.
	{Name: "offsets.topic.num.partitions", Type: Int, Default: def("50"), Check: atLeast(1)},
	{Name: "offsets.topic.replication.factor", Type: Short, Default: def("3"), Check: atLeast(1)},
	{Name: "offsets.topic.segment.bytes", Type: Int, Default: def("104857600"), Check: atLeast(1)},
	{Name: "offsets.retention.minutes", Type: Int, Default: def("10080"), Check: atLeast(1)},
	{Name: "offsets.retention.check.interval.ms", Type: Long, Default: def("600000"), Check: atLeast(1)},
	{Name: "offsets.commit.timeout.ms", Type: Int, Default: def("5000"), Check: atLeast(1)},
	{Name: "offset.metadata.max.bytes", Type: Int, Default: def("4096")},
	{Name: "group.initial.rebalance.delay.ms", Type: Int, Default: def("3000")},
	{Name: "group.min.session.timeout.ms", Type: Int, Default: def("6000")},
	{Name: "group.max.session.timeout.ms", Type: Int, Default: def("1800000")},
	{Name: "group.max.size", Type: Int, Default: def(maxInt), Check: atLeast(1)},
	{Name: "group.coordinator.rebalance.protocols", Type: List, Default: def("classic,consumer"), Check: listOf("classic", "consumer")},
	{Name: "group.consumer.session.timeout.ms", Type: Int, Default: def("45000"), Check: atLeast(1)},
	{Name: "group.consumer.min.session.timeout.ms", Type: Int, Default: def("45000"), Check: atLeast(1)},
	{Name: "group.consumer.max.session.timeout.ms", Type: Int, Default: def("60000"), Check: atLeast(1)},
	{Name: "group.consumer.heartbeat.interval.ms", Type: Int, Default: def("5000"), Check: atLeast(1)},
	{Name: "group.consumer.min.heartbeat.interval.ms", Type: Int, Default: def("5000"), Check: atLeast(1)},
	{Name: "group.consumer.max.heartbeat.interval.ms", Type: Int, Default: def("15000"), Check: atLeast(1)},
	{Name: "group.consumer.max.size", Type: Int, Default: def(maxInt), Check: atLeast(1)},
	{Name: "group.consumer.assignment.interval.ms", Type: Int, Default: def("1000"), Check: atLeast(0)},
	{Name: "group.consumer.min.assignment.interval.ms", Type: Int, Default: def("0"), Check: atLeast(0)},
	{Name: "group.consumer.max.assignment.interval.ms", Type: Int, Default: def("15000"), Check: atLeast(0)},
	{Name: "group.consumer.assignors", Type: List, Default: def("uniform,range"), Check: listOf("uniform", "range")},
	{Name: "group.consumer.migration.policy", Type: String, Default: def("bidirectional"), Check: oneOf("disabled", "upgrade", "downgrade", "bidirectional"),
		Note: "gregor keeps classic and consumer-protocol members in separate groups (no online migration); accepted and reported, no effect"},
	{Name: "offsets.topic.compression.codec", Type: Int, Default: def("0"), Check: atLeast(0),
		Note: "gregor writes __consumer_offsets uncompressed; accepted and reported, no effect"},
	{Name: "offsets.load.buffer.size", Type: Int, Default: def("5242880"), Check: atLeast(1),
		Note: "gregor loads __consumer_offsets in 1 MiB reads; accepted and reported, no effect"},

	// Producer state and transactions.
	{Name: "producer.id.expiration.ms", Type: Int, Default: def("86400000"), Check: atLeast(1)},
	// Kafka defines it internal (TransactionLogConfig): accepted by
	// name, left out when all configs are described.
	{Name: "producer.id.expiration.check.interval.ms", Type: Int, Default: def("600000"), Check: atLeast(1), ReadOnly: true, Internal: true},
	{Name: "transactional.id.expiration.ms", Type: Int, Default: def("604800000"), Check: atLeast(1)},
	{Name: "transaction.max.timeout.ms", Type: Int, Default: def("900000"), Check: atLeast(1)},
	{Name: "transaction.state.log.num.partitions", Type: Int, Default: def("50"), Check: atLeast(1)},
	{Name: "transaction.state.log.replication.factor", Type: Short, Default: def("3"), Check: atLeast(1)},
	{Name: "transaction.state.log.min.isr", Type: Int, Default: def("2"), Check: atLeast(1)},
	{Name: "transaction.state.log.segment.bytes", Type: Int, Default: def("104857600"), Check: atLeast(1)},
	{Name: "transaction.abort.timed.out.transaction.cleanup.interval.ms", Type: Int, Default: def("10000"), Check: atLeast(1)},
	{Name: "transaction.remove.expired.transaction.cleanup.interval.ms", Type: Int, Default: def("3600000"), Check: atLeast(1)},
	{Name: "transaction.partition.verification.enable", Type: Boolean, Default: def("true")},

	// Client quotas (the quota package): the samples a client's rates
	// are measured over.
	{Name: "quota.window.num", Type: Int, Default: def("11"), Check: atLeast(1)},
	{Name: "quota.window.size.seconds", Type: Int, Default: def("1"), Check: atLeast(1)},
	{Name: "controller.quota.window.num", Type: Int, Default: def("11"), Check: atLeast(1)},
	{Name: "controller.quota.window.size.seconds", Type: Int, Default: def("1"), Check: atLeast(1)},
}

// topicDefs are the topic configs, each with the broker configs it falls
// back to.
var topicDefs = []topicDef{
	{Def: Def{Name: "cleanup.policy", Type: List, Check: emptyOr(listOf("delete", "compact"))}, Synonyms: []synonym{{"log.cleanup.policy", 1}}},
	{Def: Def{Name: "compression.type", Type: String, Check: oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")}, Synonyms: []synonym{{"compression.type", 1}}},
	{Def: Def{Name: "compression.gzip.level", Type: Int, Check: gzipLevel, Note: noteLevel}, Synonyms: []synonym{{"compression.gzip.level", 1}}},
	{Def: Def{Name: "compression.lz4.level", Type: Int, Check: lz4Level, Note: noteLevel}, Synonyms: []synonym{{"compression.lz4.level", 1}}},
	{Def: Def{Name: "compression.zstd.level", Type: Int, Check: zstdLevel, Note: noteLevel}, Synonyms: []synonym{{"compression.zstd.level", 1}}},
	{Def: Def{Name: "delete.retention.ms", Type: Long, Check: atLeast(0)}, Synonyms: []synonym{{"log.cleaner.delete.retention.ms", 1}}},
	{Def: Def{Name: "file.delete.delay.ms", Type: Long, Check: atLeast(0)}, Synonyms: []synonym{{"log.segment.delete.delay.ms", 1}}},
	{Def: Def{Name: "flush.messages", Type: Long, Check: atLeast(1), Note: noteFsync}, Synonyms: []synonym{{"log.flush.interval.messages", 1}}},
	{Def: Def{Name: "flush.ms", Type: Long, Check: atLeast(0), Note: noteFsync}, Synonyms: []synonym{{"log.flush.interval.ms", 1}, {"log.flush.scheduler.interval.ms", 1}}},
	{Def: Def{Name: "index.interval.bytes", Type: Int, Check: atLeast(0)}, Synonyms: []synonym{{"log.index.interval.bytes", 1}}},
	{Def: Def{Name: "max.compaction.lag.ms", Type: Long, Check: atLeast(1)}, Synonyms: []synonym{{"log.cleaner.max.compaction.lag.ms", 1}}},
	{Def: Def{Name: "max.message.bytes", Type: Int, Check: atLeast(0)}, Synonyms: []synonym{{"message.max.bytes", 1}}},
	{Def: Def{Name: "message.timestamp.after.max.ms", Type: Long, Check: atLeast(0)}, Synonyms: []synonym{{"log.message.timestamp.after.max.ms", 1}}},
	{Def: Def{Name: "message.timestamp.before.max.ms", Type: Long, Check: atLeast(0)}, Synonyms: []synonym{{"log.message.timestamp.before.max.ms", 1}}},
	{Def: Def{Name: "message.timestamp.type", Type: String, Check: oneOf("CreateTime", "LogAppendTime")}, Synonyms: []synonym{{"log.message.timestamp.type", 1}}},
	{Def: Def{Name: "min.cleanable.dirty.ratio", Type: Double, Check: between(0, 1)}, Synonyms: []synonym{{"log.cleaner.min.cleanable.ratio", 1}}},
	{Def: Def{Name: "min.compaction.lag.ms", Type: Long, Check: atLeast(0)}, Synonyms: []synonym{{"log.cleaner.min.compaction.lag.ms", 1}}},
	{Def: Def{Name: "min.insync.replicas", Type: Int, Check: atLeast(1)}, Synonyms: []synonym{{"min.insync.replicas", 1}}},
	{Def: Def{Name: "preallocate", Type: Boolean, Note: "gregor never preallocates segment files; accepted and reported, no effect"}, Synonyms: []synonym{{"log.preallocate", 1}}},
	{Def: Def{Name: "retention.bytes", Type: Long}, Synonyms: []synonym{{"log.retention.bytes", 1}}},
	{Def: Def{Name: "retention.ms", Type: Long, Check: atLeast(-1)}, Synonyms: []synonym{{"log.retention.ms", 1}, {"log.retention.minutes", 60000}, {"log.retention.hours", 3600000}}},
	{Def: Def{Name: "segment.bytes", Type: Int, Check: atLeast(minSegmentBytes)}, Synonyms: []synonym{{"log.segment.bytes", 1}}},
	// Kafka's internal.segment.bytes, for tests only: it overrides
	// segment.bytes without its 1 MiB minimum, so a test can roll
	// segments after a few records. Like every internal config it is
	// accepted by name but left out when all configs are described.
	{Def: Def{Name: InternalSegmentBytes, Type: Int, Check: atLeast(minInternalSegmentBytes), Internal: true}},
	{Def: Def{Name: "segment.index.bytes", Type: Int, Check: atLeast(4)}, Synonyms: []synonym{{"log.index.size.max.bytes", 1}}},
	{Def: Def{Name: "segment.jitter.ms", Type: Long, Check: atLeast(0), Note: "gregor rolls segments without jitter; accepted and reported, no effect"}, Synonyms: []synonym{{"log.roll.jitter.ms", 1}, {"log.roll.jitter.hours", 3600000}}},
	{Def: Def{Name: "segment.ms", Type: Long, Check: atLeast(1)}, Synonyms: []synonym{{"log.roll.ms", 1}, {"log.roll.hours", 3600000}}},
	{Def: Def{Name: "unclean.leader.election.enable", Type: Boolean}, Synonyms: []synonym{{"unclean.leader.election.enable", 1}}},
	{Def: Def{Name: "local.retention.ms", Type: Long, Default: def("-2"), Check: atLeast(-2), Note: noteTiered}},
	{Def: Def{Name: "local.retention.bytes", Type: Long, Default: def("-2"), Check: atLeast(-2), Note: noteTiered}},
	{Def: Def{Name: "remote.storage.enable", Type: Boolean, Default: def("false"), Note: noteTiered}},
	{Def: Def{Name: "leader.replication.throttled.replicas", Type: List, Default: def(""), Note: "replication is not throttled in gregor; accepted and reported, no effect"}},
	{Def: Def{Name: "follower.replication.throttled.replicas", Type: List, Default: def(""), Note: "replication is not throttled in gregor; accepted and reported, no effect"}},
}

// synonym is a broker config a topic config falls back to, with the
// factor that converts its unit to the topic config's (hours to ms).
type synonym struct {
	Name  string
	Scale int64
}

type topicDef struct {
	Def
	Synonyms []synonym
}
