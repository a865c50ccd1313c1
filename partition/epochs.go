package partition

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// epochEntry says that leader epoch Epoch began at StartOffset: the first
// record appended under that epoch.
type epochEntry struct {
	Epoch       int32
	StartOffset int64
}

// epochCache is Kafka's leader epoch cache (LeaderEpochFileCache),
// persisted as leader-epoch-checkpoint in the partition directory. It
// answers "where did epoch N end?", which is how a follower that comes
// back after a leader change finds the point where its log diverged from
// the new leader's and truncates there (KIP-101, KIP-279).
type epochCache struct {
	dir     segment.Dir
	entries []epochEntry // ascending epochs and offsets
}

func loadEpochCache(dir segment.Dir) (*epochCache, error) {
	c := &epochCache{dir: dir}
	rows, err := segment.ReadCheckpoint(dir, segment.LeaderEpochCheckpoint, 2)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		epoch, err1 := strconv.ParseInt(r[0], 10, 32)
		off, err2 := strconv.ParseInt(r[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		c.entries = append(c.entries, epochEntry{int32(epoch), off})
	}
	return c, nil
}

func (c *epochCache) save() error {
	rows := make([][]string, len(c.entries))
	for i, e := range c.entries {
		rows[i] = []string{strconv.Itoa(int(e.Epoch)), strconv.FormatInt(e.StartOffset, 10)}
	}
	return segment.WriteCheckpoint(c.dir, segment.LeaderEpochCheckpoint, rows)
}

// latest returns the newest epoch, or -1.
func (c *epochCache) latest() int32 {
	if len(c.entries) == 0 {
		return -1
	}
	return c.entries[len(c.entries)-1].Epoch
}

// assign records that epoch starts at offset, following Kafka's
// LeaderEpochFileCache.assign: nothing changes if epoch is already the
// latest and started no later; otherwise entries of the same or a newer
// epoch, or starting at or after offset, are dropped first, keeping the
// cache monotonic. The usual case for a drop is a leader that was elected
// and replaced before it wrote anything: its entry starts where its
// successor's does.
func (c *epochCache) assign(epoch int32, offset int64) error {
	if epoch < 0 || offset < 0 {
		return fmt.Errorf("invalid leader epoch entry %d@%d", epoch, offset)
	}
	if n := len(c.entries); n > 0 && c.entries[n-1].Epoch == epoch && c.entries[n-1].StartOffset <= offset {
		return nil
	}
	for n := len(c.entries); n > 0 && (c.entries[n-1].Epoch >= epoch || c.entries[n-1].StartOffset >= offset); n-- {
		c.entries = c.entries[:n-1]
	}
	c.entries = append(c.entries, epochEntry{epoch, offset})
	return c.save()
}

// endOffsetFor answers OffsetForLeaderEpoch as Kafka's
// LeaderEpochFileCache.endOffsetFor does: for the latest epoch, the log
// end offset; for an older one, the largest epoch at or below it and the
// start of the next epoch; for one older than every epoch held (their
// records were deleted), the requested epoch and the start of the first
// epoch held. (-1, -1) means unknown: an undefined epoch, one newer than
// every epoch held, or an empty cache.
func (c *epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64) {
	if epoch < 0 || len(c.entries) == 0 {
		return -1, -1
	}
	if c.latest() == epoch {
		return epoch, logEnd
	}
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].Epoch > epoch })
	switch {
	case i == len(c.entries):
		return -1, -1
	case i == 0:
		return epoch, c.entries[0].StartOffset
	}
	return c.entries[i-1].Epoch, c.entries[i].StartOffset
}

// epochFor returns the epoch under which offset was written, or -1.
func (c *epochCache) epochFor(offset int64) int32 {
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].StartOffset > offset })
	if i == 0 {
		return -1
	}
	return c.entries[i-1].Epoch
}

// truncateFromEnd drops entries that start at or after offset (the log
// was truncated to offset).
func (c *epochCache) truncateFromEnd(offset int64) error {
	n := len(c.entries)
	for n > 0 && c.entries[n-1].StartOffset >= offset {
		n--
	}
	if n == len(c.entries) {
		return nil
	}
	c.entries = c.entries[:n]
	return c.save()
}

// truncateFromStart moves the first entry up to the new log start offset.
func (c *epochCache) truncateFromStart(offset int64) error {
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].StartOffset > offset })
	if i <= 1 && (len(c.entries) == 0 || c.entries[0].StartOffset >= offset) {
		return nil
	}
	kept := append([]epochEntry(nil), c.entries[i-1:]...)
	kept[0].StartOffset = offset
	c.entries = kept
	return c.save()
}

// rebuildEpochs makes the cache agree with the log after it was opened:
// entries beyond the log end are dropped, entries before the log start
// are trimmed, and a missing or stale checkpoint is completed from the
// partition leader epochs stamped in the batches, as Kafka's recovery does.
func rebuildEpochs(c *epochCache, l *segment.Log) error {
	if err := c.truncateFromEnd(l.LogEndOffset()); err != nil {
		return err
	}
	from := l.LogStartOffset()
	if n := len(c.entries); n > 0 {
		from = c.entries[n-1].StartOffset
	}
	return l.Batches(from, func(_ []byte, h record.Header) (bool, error) {
		if h.PartitionLeaderEpoch >= 0 && h.PartitionLeaderEpoch > c.latest() {
			if err := c.assign(h.PartitionLeaderEpoch, h.BaseOffset); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}
