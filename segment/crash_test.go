package segment

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

var errCrash = errors.New("injected crash")

// crashDir fails every Open, Rename and Remove from the n-th on, as if the
// broker died there: what the directory holds afterwards is what a
// restart finds.
type crashDir struct {
	Dir
	n, calls int
}

func (d *crashDir) step() error {
	d.calls++
	if d.n > 0 && d.calls >= d.n {
		return errCrash
	}
	return nil
}

func (d *crashDir) Open(name string) (File, error) {
	if err := d.step(); err != nil {
		return nil, err
	}
	return d.Dir.Open(name)
}

func (d *crashDir) Rename(from, to string) error {
	if err := d.step(); err != nil {
		return err
	}
	return d.Dir.Rename(from, to)
}

func (d *crashDir) Remove(name string) error {
	if err := d.step(); err != nil {
		return err
	}
	return d.Dir.Remove(name)
}

// A crash at every step of a cleaning (writing .cleaned, renaming to
// .swap, deleting the old segments, renaming into place) leaves a log
// that opens, reads whole, and holds either the old segments or the new
// ones, never a mix.
func TestCleaningSurvivesACrashAtEveryStep(t *testing.T) {
	build := func(d Dir) *Log {
		l, err := Open(d, cleanerConfig(), OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		appendKeyed(t, l, 1000, [2]string{"a", "1"}, [2]string{"b", "1"}, [2]string{"a", "2"}, [2]string{"c", "1"},
			[2]string{"b", "2"}, [2]string{"a", "3"}, [2]string{"c", "2"}, [2]string{"a", "4"})
		return l
	}
	ref := build(MemoryDir())
	before := fmt.Sprint(dump(t, ref))
	if _, err := ref.Clean(CleanOptions{NowMs: 5000, Bound: ref.LogEndOffset()}); err != nil {
		t.Fatal(err)
	}
	after := fmt.Sprint(dump(t, ref))
	oldRecs, newRecs := dumpOf(t, build(MemoryDir())), dump(t, ref)
	crashed := 0
	for n := 1; ; n++ {
		mem := MemoryDir()
		build(mem)
		cd := &crashDir{Dir: mem}
		l, err := Open(cd, cleanerConfig(), OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cd.calls, cd.n = 0, n
		_, err = l.Clean(CleanOptions{NowMs: 5000, Bound: l.LogEndOffset()})
		if err == nil {
			break
		}
		if !errors.Is(err, errCrash) {
			t.Fatalf("step %d: %v", n, err)
		}
		crashed++
		re, err := Open(mem, cleanerConfig(), OpenOptions{})
		if err != nil {
			t.Fatalf("crash at step %d: reopening: %v", n, err)
		}
		got := fmt.Sprint(dump(t, re))
		// Each group is swapped in whole, newest first: after a crash the
		// groups already swapped are new and the older ones old, split at
		// a segment boundary.
		if !splitAtSomeOffset(got, oldRecs, newRecs) {
			t.Fatalf("crash at step %d left %s\nold %s\nnew %s", n, got, before, after)
		}
		if re.LogEndOffset() != ref.LogEndOffset() {
			t.Fatalf("crash at step %d: log end offset %d, want %d", n, re.LogEndOffset(), ref.LogEndOffset())
		}
		names, _ := mem.Names()
		re.Close()
		for _, name := range names {
			if hasAnySuffix(name, CleanedSuffix, SwapSuffix, DeletedSuffix) {
				t.Fatalf("crash at step %d: %s left after reopening", n, name)
			}
		}
	}
	if crashed < 10 {
		t.Fatalf("only %d crash points exercised", crashed)
	}
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}

func dumpOf(t *testing.T, l *Log) []string { return dump(t, l) }

// splitAtSomeOffset reports whether got is old's records below some
// offset followed by new's records from it.
func splitAtSomeOffset(got string, old, new []string) bool {
	offset := func(e string) int {
		var o int
		fmt.Sscanf(e, "%d:", &o)
		return o
	}
	for x := 0; x <= 100; x++ {
		var mix []string
		for _, e := range old {
			if offset(e) < x {
				mix = append(mix, e)
			}
		}
		for _, e := range new {
			if offset(e) >= x {
				mix = append(mix, e)
			}
		}
		if fmt.Sprint(mix) == got {
			return true
		}
	}
	return false
}

// A crash at every step of a deletion (renaming each file .deleted) or of
// a roll leaves a log that opens with its records from some segment
// boundary on, every record above the new log start offset intact, and
// no .deleted file.
func TestDeletionAndRollSurviveACrashAtEveryStep(t *testing.T) {
	for n := 1; n < 40; n++ {
		mem := MemoryDir()
		cd := &crashDir{Dir: mem}
		l, err := Open(cd, cleanerConfig(), OpenOptions{ScheduleRemoval: func(func()) {}})
		if err != nil {
			t.Fatal(err)
		}
		appendKeyed(t, l, 1000, [2]string{"a", "1"}, [2]string{"b", "1"}, [2]string{"a", "2"}, [2]string{"c", "1"}, [2]string{"d", "1"})
		cd.calls, cd.n = 0, n
		err = l.AdvanceLogStartOffset(4)
		if err == nil {
			// A roll: the crash hits creating the next segment.
			r := record.Record{Timestamp: 1000, Key: []byte("e"), Value: []byte("1")}
			b, _ := record.Build(record.BatchOptions{}, []record.Record{r})
			record.SetBaseOffset(b, l.LogEndOffset())
			h, _ := record.Check(b)
			err = l.Append(b, h, 1000)
		}
		if err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("step %d: %v", n, err)
		}
		re, err := Open(mem, cleanerConfig(), OpenOptions{})
		if err != nil {
			t.Fatalf("crash at step %d: reopening: %v", n, err)
		}
		got := dump(t, re)
		want := []string{"0:a=1", "1:b=1", "2:a=2", "3:c=1", "4:d=1", "5:e=1"}
		ok := false
		for from := 0; from <= 4 && !ok; from += 2 {
			for to := 5; to <= 6 && !ok; to++ {
				ok = fmt.Sprint(got) == fmt.Sprint(want[from:to])
			}
		}
		if !ok {
			t.Fatalf("crash at step %d left %q", n, got)
		}
		names, _ := mem.Names()
		for _, name := range names {
			if hasAnySuffix(name, DeletedSuffix) {
				t.Fatalf("crash at step %d: %s left after reopening", n, name)
			}
		}
		re.Close()
	}
}
