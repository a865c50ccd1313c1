package kafkaref

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
)

// refClasspath resolves the Kafka jars' classpath, kept across runs in
// the user's cache directory so that mvn resolves it once.
func refClasspath(ctx context.Context) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return Classpath(ctx, ".", filepath.Join(cache, "gregor-kafkaref"))
}

// startOwn starts a Kafka of t's own, with extra server configs, beside a
// gregor cluster made with opts: for a test that needs broker configs the
// shared Kafka has not got, or state no other test may disturb. Both stop
// when t ends; the context bounds the whole test.
func startOwn(t *testing.T, extra map[string]string, opts ...broker.Option) (context.Context, *Kafka, *broker.Cluster) {
	t.Helper()
	needKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	cp, err := refClasspath(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Start(ctx, cp, t.TempDir(), extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	g, err := broker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return ctx, k, g
}

// sameLines fails t at each line where gregor's answers are not Kafka's,
// a missing line counting as empty.
func sameLines(t *testing.T, kafka, gregor []string) {
	t.Helper()
	for i := range max(len(kafka), len(gregor)) {
		var k, g string
		if i < len(kafka) {
			k = kafka[i]
		}
		if i < len(gregor) {
			g = gregor[i]
		}
		if k != g {
			t.Errorf("Kafka: %s\ngregor: %s", k, g)
		}
	}
}
