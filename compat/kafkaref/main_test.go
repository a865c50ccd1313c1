package kafkaref

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// enableEnv turns the package's tests on; CI sets it.
const enableEnv = "GREGOR_KAFKAREF"

// ref is the Kafka the package's tests share, or nil when they skip.
var (
	ref     *Kafka
	skipWhy string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(enableEnv) != "1" {
		skipWhy = "set " + enableEnv + "=1 to compare gregor with Apache Kafka (needs java and mvn)"
		return m.Run()
	}
	if err := Tools(); err != nil {
		fmt.Fprintf(os.Stderr, "kafkaref: %s=1 but %v\n", enableEnv, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cp, err := refClasspath(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafkaref:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kafkaref-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafkaref:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	began := time.Now()
	ref, err = Start(ctx, cp, dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafkaref:", err)
		return 1
	}
	defer ref.Close()
	fmt.Fprintf(os.Stderr, "kafkaref: Kafka answered on %s after %v\n", ref.Addr, time.Since(began).Round(time.Millisecond))
	code := m.Run()
	if err := writeReport(); err != nil {
		fmt.Fprintln(os.Stderr, "kafkaref:", err)
		return 1
	}
	return code
}

// needKafka skips t when the reference Kafka is not running.
func needKafka(t *testing.T) *Kafka {
	t.Helper()
	if ref == nil {
		t.Skip(skipWhy)
	}
	return ref
}

func TestKafkaAnswers(t *testing.T) {
	k := needKafka(t)
	if err := ping(t.Context(), k.Addr); err != nil {
		t.Fatal(err)
	}
}
