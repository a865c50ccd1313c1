package txn

// The log format of __transaction_state.
//
// Each record's key is TransactionLogKey (version 0: the transactional
// id) and its value TransactionLogValue, the whole state of the
// transactional id after a change: producer id and epoch, timeout,
// state, partitions by topic, last update and start timestamps, and in
// version 1 (flexible, Kafka 4) the tagged fields PreviousProducerId
// (tag 0), NextProducerId (tag 1), ClientTransactionVersion (tag 2) and
// NextProducerEpoch (tag 3). A null value (a tombstone) deletes an
// expired transactional id. The topic is compacted: the last record per
// key is the state, and replaying the partition rebuilds it.
//
// Kafka writes TransactionLogValue version 1 when the cluster's
// transaction.version feature is at least 1, as it is by default in
// Kafka 4; gregor always writes version 1 and reads both.

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	txnKeyVersion   = 0
	txnValueVersion = 1
)

func txnKey(id string) []byte {
	k := kmsg.NewTxnMetadataKey()
	k.Version, k.TransactionalID = txnKeyVersion, id
	return k.AppendTo(nil)
}

func txnValue(m *metadata) []byte {
	v := kmsg.NewTxnMetadataValue()
	v.Version = txnValueVersion
	v.ProducerID, v.ProducerEpoch = m.producerID, m.producerEpoch
	v.TimeoutMillis = int32(m.timeout / time.Millisecond)
	v.State = kmsg.TransactionState(m.state)
	for _, tp := range m.sortedPartitions() {
		if n := len(v.Topics); n > 0 && v.Topics[n-1].Topic == tp.Topic {
			v.Topics[n-1].Partitions = append(v.Topics[n-1].Partitions, tp.Partition)
			continue
		}
		t := kmsg.NewTxnMetadataValueTopic()
		t.Topic, t.Partitions = tp.Topic, []int32{tp.Partition}
		v.Topics = append(v.Topics, t)
	}
	v.LastUpdateTimestamp, v.StartTimestamp = m.lastUpdate, m.startTime
	v.PreviousProducerID = m.prevProducerID
	v.NextProducerID = m.nextProducerID
	v.ClientTransactionVersion = m.clientTxVersion
	return v.AppendTo(nil)
}

// decodeRecord reads one record of the log: the transactional id and its
// state, or nil state for a tombstone.
func decodeRecord(key, value []byte) (string, *metadata, error) {
	var k kmsg.TxnMetadataKey
	if err := k.ReadFrom(key); err != nil {
		return "", nil, fmt.Errorf("transaction log key: %w", err)
	}
	if k.Version != txnKeyVersion {
		return "", nil, fmt.Errorf("transaction log key version %d is unknown", k.Version)
	}
	if value == nil {
		return k.TransactionalID, nil, nil
	}
	var v kmsg.TxnMetadataValue
	if err := v.ReadFrom(value); err != nil {
		return "", nil, fmt.Errorf("transaction log value of %q: %w", k.TransactionalID, err)
	}
	if v.Version < 0 || v.Version > 1 {
		return "", nil, fmt.Errorf("transaction log value version %d of %q is unknown", v.Version, k.TransactionalID)
	}
	st := State(v.State)
	if _, ok := validPrevious[st]; !ok {
		return "", nil, fmt.Errorf("transaction log value of %q has unknown state %d", k.TransactionalID, v.State)
	}
	m := newMetadata(k.TransactionalID, v.ProducerID, v.ProducerEpoch, time.Duration(v.TimeoutMillis)*time.Millisecond, v.LastUpdateTimestamp)
	m.state = st
	m.startTime = v.StartTimestamp
	m.prevProducerID = v.PreviousProducerID
	m.nextProducerID = v.NextProducerID
	m.clientTxVersion = v.ClientTransactionVersion
	for _, t := range v.Topics {
		for _, p := range t.Partitions {
			m.partitions[TopicPartition{t.Topic, p}] = struct{}{}
		}
	}
	return k.TransactionalID, m, nil
}
