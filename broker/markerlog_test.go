package broker

import "testing"

// The marker log keeps the most recent markerLogSize markers, oldest
// first, however many were written.
func TestMarkerLogKeepsTheMostRecent(t *testing.T) {
	var l markerLog
	if l.list() != nil {
		t.Fatal("an empty log lists markers")
	}
	for i := range markerLogSize + 10 {
		l.record(TxnMarkerEvent{Offset: int64(i)})
	}
	got := l.list()
	if len(got) != markerLogSize || got[0].Offset != 10 || got[len(got)-1].Offset != markerLogSize+9 {
		t.Fatalf("%d markers from %d to %d, want %d from 10 to %d", len(got), got[0].Offset, got[len(got)-1].Offset, markerLogSize, markerLogSize+9)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Offset != got[i-1].Offset+1 {
			t.Fatalf("marker %d has offset %d after %d", i, got[i].Offset, got[i-1].Offset)
		}
	}
}
