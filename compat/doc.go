// Package compat runs Kafka clients other than franz-go (Sarama and
// kafka-go), and franz-go beside them, against a gregor cluster, to show
// that unmodified clients behave with gregor as they do with Kafka.
// Clients in other languages have their own packages: compat/java,
// compat/python (kafka-python), compat/node (kafkajs); compat/matrix
// writes what they all proved into docs/compatibility.md.
//
// The package holds only tests. They use the TCP network, because Sarama
// and kafka-go dial brokers themselves, and set each client's retry and
// metadata knobs short so that a client notices a new leader in
// milliseconds instead of its default seconds; every such knob is named,
// with the reason, where it is set.
package compat
