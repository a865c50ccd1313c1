package segment

import "testing"

// retentionLog has four segments of two records each: timestamps 1000,
// 1001 | 2000, 2001 | 3000, 3001 | 4000 (active).
func retentionLog(t *testing.T) *Log {
	t.Helper()
	l, err := Open(MemoryDir(), DefaultConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range []int64{1000, 2000, 3000} {
		appendValues(t, l, ts, "a", "b")
		if err := l.Roll(ts + 2); err != nil {
			t.Fatal(err)
		}
	}
	appendValues(t, l, 4000, "c")
	return l
}

func TestRetentionDueByTime(t *testing.T) {
	l := retentionLog(t)
	cases := []struct {
		ms, now, bound int64
		want           int
	}{
		{-1, 1 << 40, 7, 0},  // disabled
		{500, 1501, 7, 0},    // 1501-1001 = 500: not past retention
		{500, 1502, 7, 1},    // first segment past
		{500, 1500, 7, 0},    // not yet
		{500, 2502, 7, 2},    // two segments
		{500, 1 << 40, 7, 3}, // all closed ones, never the active one
		{500, 1 << 40, 4, 2}, // records at 4.. not below the high watermark
		{500, 900, 7, 0},     // timestamps in the future are kept
	}
	for _, c := range cases {
		if got, start := l.RetentionDue(Retention{Ms: c.ms, Bytes: -1}, c.now, c.bound); got != c.want || start != 2*int64(c.want) {
			t.Errorf("retention.ms %d at %d below %d: %d segments due (log start %d), want %d", c.ms, c.now, c.bound, got, start, c.want)
		}
	}
}

func TestRetentionDueBySize(t *testing.T) {
	l := retentionLog(t)
	segs, _ := l.Segments()
	seg := segs[0].Size // the closed segments hold the same bytes
	total := l.Size()
	cases := []struct {
		bytes int64
		want  int
	}{
		{-1, 0},
		{total, 0},
		{total - 1, 0},   // over by a byte, but without the oldest it would be under
		{total - seg, 1}, // exactly one segment's worth
		{total - seg - 1, 1},
		{total - 2*seg, 2},
		{0, 3}, // never the active segment
	}
	for _, c := range cases {
		if got, start := l.RetentionDue(Retention{Ms: -1, Bytes: c.bytes}, 0, 7); got != c.want || start != 2*int64(c.want) {
			t.Errorf("retention.bytes %d of %d: %d segments due (log start %d), want %d", c.bytes, total, got, start, c.want)
		}
	}
}
