package segment

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

type written struct {
	key, value string // value "" is a tombstone
	ms         int64
}

// Random keyed writes, tombstones, clock advances, cleanings and reopens:
// after every step the log read from its start holds only records written
// at those very offsets, in increasing order; every key's latest value is
// there; everything at or above the active segment is there; and a
// tombstone that is its key's latest is missing only once
// delete.retention.ms has passed since it was written; and the cleaned
// part (below the first dirty offset) holds each key at most once.
func TestCleanerProperty(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed))
			d := MemoryDir()
			cfg := cleanerConfig()
			cfg.SegmentBytes = 160 + rng.IntN(400)
			l, err := Open(d, cfg, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { l.Close() }()
			const drm = 1000
			now := int64(1000)
			log := map[int64]written{}
			latest := map[string]int64{}
			for step := 0; step < 300; step++ {
				switch op := rng.IntN(10); {
				case op < 6:
					k := fmt.Sprint("k", rng.IntN(8))
					v := fmt.Sprint("v", step)
					if rng.IntN(5) == 0 {
						v = ""
					}
					off := l.LogEndOffset()
					appendKeyed(t, l, now, [2]string{k, v})
					log[off] = written{k, v, now}
					latest[k] = off
				case op < 8:
					now += int64(rng.IntN(600))
				case op < 9:
					if _, err := l.Clean(CleanOptions{NowMs: now, DeleteRetentionMs: drm, Bound: l.LogEndOffset()}); err != nil {
						t.Fatal(err)
					}
				default:
					first := l.FirstDirtyOffset()
					if err := l.Close(); err != nil {
						t.Fatal(err)
					}
					if l, err = Open(d, cfg, OpenOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := l.SetFirstDirtyOffset(first); err != nil {
						t.Fatal(err)
					}
				}
				checkAgainstModel(t, step, l, log, latest, now, drm)
			}
		})
	}
}

func checkAgainstModel(t *testing.T, step int, l *Log, log map[int64]written, latest map[string]int64, now, drm int64) {
	t.Helper()
	seen := map[int64]bool{}
	prev := int64(-1)
	activeBase := l.active().baseOffset
	firstDirty := l.FirstDirtyOffset()
	cleanedKeys := map[string]int64{}
	err := l.Batches(l.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		return true, record.Each(b, func(_ int, r record.Record) error {
			w, ok := log[r.Offset]
			v := string(r.Value)
			if !ok || w.key != string(r.Key) || w.value != v || (r.Value == nil) != (w.value == "") || r.Timestamp != w.ms {
				return fmt.Errorf("step %d: offset %d holds %s=%s at %d, written %+v", step, r.Offset, r.Key, r.Value, r.Timestamp, w)
			}
			if r.Offset <= prev {
				return fmt.Errorf("step %d: offset %d after %d", step, r.Offset, prev)
			}
			prev = r.Offset
			seen[r.Offset] = true
			if r.Offset < firstDirty {
				if o, dup := cleanedKeys[w.key]; dup {
					return fmt.Errorf("step %d: key %s at %d and %d below the first dirty offset %d", step, w.key, o, r.Offset, firstDirty)
				}
				cleanedKeys[w.key] = r.Offset
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for off := activeBase; off < l.LogEndOffset(); off++ {
		if !seen[off] {
			t.Fatalf("step %d: offset %d of the active segment is missing", step, off)
		}
	}
	for k, off := range latest {
		w := log[off]
		if seen[off] {
			continue
		}
		if w.value != "" {
			t.Fatalf("step %d: key %s's latest value at %d is missing", step, k, off)
		}
		if now < w.ms+drm {
			t.Fatalf("step %d: key %s's tombstone at %d went %d ms after it was written", step, k, off, now-w.ms)
		}
	}
}
