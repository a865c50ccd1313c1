// Package main is the tiny broker: it runs a gregor cluster as a
// standalone program, so that any Kafka client or tool (kcat, the Kafka
// CLI scripts, a Java or Python program) can talk to it. With no flags it stands in for the course's
// single-broker docker-compose file: one KRaft-style broker (combined
// broker and controller, no ZooKeeper) with node id 1, listening on
// 127.0.0.1:9092, keeping its logs in memory.
//
//	go run ./examples/tinybroker
//	kcat -b localhost:9092 -L
//
// Flags:
//
//	-brokers 3                      three brokers, on ports 9092, 9093, 9094
//	-port 19092                     the first broker's port (0: any free ports)
//	-host 127.0.0.1                 the address to listen on and advertise
//	-data-dir ./data                keep logs in files, in Kafka's layout
//	-config num.partitions=3        a broker config by its Kafka name (repeatable)
//	-topic orders:6:1               create a topic at start: name:partitions:rf (repeatable)
//	-racks a,b,c                    each broker's broker.rack, in node id order
//	-log-level debug                debug, info, warn or error
//	-http-port 8080                 Prometheus /metrics and the JSON control plane (/v1/...)
//	-listener SECURE:SASL_SSL       another listener on free ports (repeatable); its addresses are printed
//	-sasl-user alice:secret         a user for PLAIN and SCRAM (repeatable)
//	-tls-dir ./tls                  enable TLS listeners; write the generated CA and a client certificate here
//	-config listeners=SASL_SSL://:9093 -config inter.broker.listener.name=SASL_SSL
//	                                Kafka's listener configs: a secure first listener
//
// Ctrl-C (SIGINT) or SIGTERM stops the brokers cleanly: connections are
// closed and, with a data directory, the logs are flushed and checkpointed
// so the next start finds every topic and record again.
//
// The program is a few lines around internal/tinybroker.Run, which the
// gregor command's `gregor broker` runs too.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gregorkafka/gregor/internal/tinybroker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := tinybroker.Run(ctx, "tinybroker", os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tinybroker:", err)
		os.Exit(1)
	}
}
