package txn

import (
	"sort"
	"time"
)

// State is a transaction's state, numbered as in Kafka's
// TransactionState (and in TransactionLogValue's State field).
type State int8

const (
	Empty             State = 0
	Ongoing           State = 1
	PrepareCommit     State = 2
	PrepareAbort      State = 3
	CompleteCommit    State = 4
	CompleteAbort     State = 5
	Dead              State = 6
	PrepareEpochFence State = 7
)

// String is the state's name as DescribeTransactions and
// ListTransactions report it.
func (s State) String() string {
	switch s {
	case Empty:
		return "Empty"
	case Ongoing:
		return "Ongoing"
	case PrepareCommit:
		return "PrepareCommit"
	case PrepareAbort:
		return "PrepareAbort"
	case CompleteCommit:
		return "CompleteCommit"
	case CompleteAbort:
		return "CompleteAbort"
	case Dead:
		return "Dead"
	case PrepareEpochFence:
		return "PrepareEpochFence"
	}
	return "Unknown"
}

// ParseState is the inverse of String; ok is false for an unknown name.
func ParseState(name string) (State, bool) {
	for s := Empty; s <= PrepareEpochFence; s++ {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}

// validPrevious lists the states each state may be entered from (Kafka's
// TransactionState.validPreviousStates).
var validPrevious = map[State][]State{
	Empty:             {Empty, CompleteCommit, CompleteAbort},
	Ongoing:           {Ongoing, Empty, CompleteCommit, CompleteAbort},
	PrepareCommit:     {Ongoing},
	PrepareAbort:      {Ongoing, PrepareEpochFence, Empty, CompleteCommit, CompleteAbort},
	CompleteCommit:    {PrepareCommit},
	CompleteAbort:     {PrepareAbort},
	Dead:              {Empty, CompleteCommit, CompleteAbort},
	PrepareEpochFence: {Ongoing},
}

func canTransition(from, to State) bool {
	for _, s := range validPrevious[to] {
		if s == from {
			return true
		}
	}
	return false
}

// TopicPartition names one partition of a transaction.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// metadata is one transactional id's state (Kafka's
// TransactionMetadata): what the last record written for it says.
type metadata struct {
	id              string
	producerID      int64
	producerEpoch   int16
	prevProducerID  int64 // the producer id before an epoch exhaustion, -1 if none
	lastEpoch       int16 // the epoch before the last bump, -1 if none (KIP-360 retries)
	nextProducerID  int64 // -1 unless an exhausted epoch is moving to a new id
	timeout         time.Duration
	state           State
	partitions      map[TopicPartition]struct{}
	startTime       int64 // ms, -1 when no transaction is open
	lastUpdate      int64 // ms
	clientTxVersion int16

	// pending is set while a state change is being written: every other
	// request is answered CONCURRENT_TRANSACTIONS until it lands.
	pending bool
}

func newMetadata(id string, producerID int64, epoch int16, timeout time.Duration, now int64) *metadata {
	return &metadata{
		id: id, producerID: producerID, producerEpoch: epoch,
		prevProducerID: -1, lastEpoch: -1, nextProducerID: -1,
		timeout: timeout, state: Empty, partitions: map[TopicPartition]struct{}{},
		startTime: -1, lastUpdate: now,
	}
}

// clone copies m so that a state change can be prepared, written, and
// only then installed.
func (m *metadata) clone() *metadata {
	c := *m
	c.partitions = make(map[TopicPartition]struct{}, len(m.partitions))
	for tp := range m.partitions {
		c.partitions[tp] = struct{}{}
	}
	c.pending = false
	return &c
}

// sortedPartitions lists the partitions by topic, then partition.
func (m *metadata) sortedPartitions() []TopicPartition {
	out := make([]TopicPartition, 0, len(m.partitions))
	for tp := range m.partitions {
		out = append(out, tp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}
