package partition

import (
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/segment"
)

// A reassignment adds replicas within the leader's current epoch (the
// controller bumps the epoch only when replicas leave): the leader starts
// tracking the new one at once, serves its fetches, and tells it to join
// the ISR once it has copied everything up to the high watermark. Until
// then the new replica does not hold back the high watermark.
func TestLeaderTracksReplicasAddedInItsEpoch(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a", "b", "c")
	s.catchUp(2)
	s.wantOffsets(1, 3, 3)

	s.dirs[3] = segment.MemoryDir()
	s.open(3)
	s.st.Replicas = []int32{1, 2, 3}
	s.st.PartitionEpoch++
	s.publish()
	if _, epoch := s.leader().Leadership(); epoch != 0 {
		t.Fatalf("the leader moved to epoch %d; adding a replica keeps epoch 0", epoch)
	}
	s.produce("d")
	s.catchUp(2)
	s.wantOffsets(1, 4, 4) // broker 3, not in the ISR, holds nothing back

	res, err := s.fetch(3)
	if err != nil {
		t.Fatalf("the new replica's first fetch: %v", err)
	}
	if res.JoinISR {
		t.Fatal("the new replica was told to join the ISR before copying anything")
	}
	s.catchUp(3)
	if res, err = s.fetch(3); err != nil || !res.JoinISR {
		t.Fatalf("after copying the log the new replica's fetch: %+v, %v; want JoinISR", res, err)
	}
	if got := s.values(3); !slices.Equal(got, s.values(1)) {
		t.Fatalf("broker 3 copied %v, the leader has %v", got, s.values(1))
	}

	// Dropping a replica within the epoch forgets its progress.
	s.st.Replicas = []int32{1, 3}
	s.st.ISR = []int32{1}
	s.st.PartitionEpoch++
	s.publish()
	if _, ok := s.leader().FollowerLogEndOffsets()[2]; ok {
		t.Fatal("the leader still tracks broker 2 after it left the replicas")
	}
}
