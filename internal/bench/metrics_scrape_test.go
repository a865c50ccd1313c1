package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/metrics"
)

// BenchmarkProduceMetricsScrape is what /metrics costs produce
// throughput: BenchmarkProduce's loop (6 partitions, 100 B records) on
// gregor, with scrape=off and with scrape=on, a scraper reading /metrics
// every 10 ms (Prometheus scrapes every 15 s or so: this is far heavier).
// The counters behind /metrics are always on, so "off" is no scraping.
func BenchmarkProduceMetricsScrape(b *testing.B) {
	for _, scrape := range []bool{false, true} {
		name := "scrape=off"
		if scrape {
			name = "scrape=on"
		}
		b.Run(name, func(b *testing.B) {
			const topic, partitions = "bench", 6
			c, err := broker.New(broker.Topic(topic, partitions, 1, nil))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if scrape {
				stop := startScraper(b, c, 10*time.Millisecond)
				defer stop()
			}
			produceLoop(b, c.Addrs(), topic, partitions, 100)
		})
	}
}

// startScraper GETs /metrics every interval until stopped.
func startScraper(b *testing.B, c *broker.Cluster, interval time.Duration) (stop func()) {
	srv := httptest.NewServer(metrics.Handler(c))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			resp, err := http.Get(srv.URL)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		srv.Close()
	}
}
