package txn

import "time"

// EventType says what happened to a transaction.
type EventType string

const (
	// EventBegin: the first partition was added; the transaction is open.
	EventBegin EventType = "begin"
	// EventAddPartitions: partitions (or a group's offsets partition)
	// joined an open transaction.
	EventAddPartitions EventType = "add-partitions"
	// EventPrepare: EndTxn was accepted; markers are being written.
	EventPrepare EventType = "prepare"
	// EventCommit and EventAbort: every marker was written; the
	// transaction is complete.
	EventCommit EventType = "commit"
	EventAbort  EventType = "abort"
	// EventTimeout: the transaction was open longer than its timeout and
	// the coordinator aborts it, bumping the epoch.
	EventTimeout EventType = "timeout"
	// EventFenced: InitProducerId bumped the epoch (or gave a new
	// producer id): producers with the old epoch are fenced.
	EventFenced EventType = "fenced"
	// EventExpired: the transactional id was idle for
	// transactional.id.expiration.ms and was deleted.
	EventExpired EventType = "expired"
	// EventLoaded: this broker became the coordinator of the id.
	EventLoaded EventType = "loaded"
)

// Event is one step of a transactional id's life.
type Event struct {
	Time            time.Time
	Type            EventType
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	State           State
	Partitions      []TopicPartition // the partitions the event is about
	Reason          string
}

func (s *shard) emit(t EventType, m *metadata, parts []TopicPartition, reason string) {
	s.c.events(Event{Time: s.c.clock.Now(), Type: t, TransactionalID: m.id, ProducerID: m.producerID,
		ProducerEpoch: m.producerEpoch, State: m.state, Partitions: parts, Reason: reason})
}
