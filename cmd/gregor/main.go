// Package main is the gregor command: Kafka's command-line tools in one
// Go program. Each subcommand mirrors a kafka-*.sh script, its flags and
// its output, so a course's commands work after replacing kafka-topics.sh
// with gregor topics. The subcommands are Kafka clients, so they work against
// a real Kafka cluster as well as against gregor.
//
//	go run ./cmd/gregor topics --bootstrap-server localhost:9092 --list
//	go install github.com/gregorkafka/gregor/cmd/gregor@latest
//
// The subcommands live in package cli, one file each.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gregorkafka/gregor/cmd/gregor/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
