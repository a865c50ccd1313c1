package record

import "encoding/binary"

// Control records (KIP-98). A control batch (the control attribute bit)
// holds one record that is not data but a message from the broker to the
// log's readers. On a topic partition the only kind is the transaction
// marker, Kafka's EndTransactionMarker: its key is version int16 (0) and
// type int16 (0 ABORT, 1 COMMIT), its value version int16 (0) and the
// coordinator epoch int32. Consumers skip control batches; their
// position moves past them.

// The control record types of transaction markers (ControlRecordType).
const (
	ControlAbort  = 0
	ControlCommit = 1
)

// EndTxnMarkerKey is the key of a COMMIT (commit true) or ABORT marker.
func EndTxnMarkerKey(commit bool) []byte {
	k := make([]byte, 4)
	if commit {
		binary.BigEndian.PutUint16(k[2:], ControlCommit)
	}
	return k
}

// EndTxnMarkerValue is a marker's value: version 0 and the epoch of the
// transaction coordinator that wrote it.
func EndTxnMarkerValue(coordinatorEpoch int32) []byte {
	v := make([]byte, 6)
	binary.BigEndian.PutUint32(v[2:], uint32(coordinatorEpoch))
	return v
}

// ReadEndTxnMarker decodes a control batch's record. ok is false for a
// control record that is not a transaction marker (Kafka has others, for
// KRaft's own log) or is malformed. coordinatorEpoch is -1 when the value
// is missing.
func ReadEndTxnMarker(batch []byte) (commit bool, coordinatorEpoch int32, ok bool) {
	recs, err := Records(batch)
	if err != nil || len(recs) == 0 || len(recs[0].Key) < 4 {
		return false, 0, false
	}
	switch binary.BigEndian.Uint16(recs[0].Key[2:]) {
	case ControlAbort:
	case ControlCommit:
		commit = true
	default:
		return false, 0, false
	}
	coordinatorEpoch = -1
	if v := recs[0].Value; len(v) >= 6 {
		coordinatorEpoch = int32(binary.BigEndian.Uint32(v[2:]))
	}
	return commit, coordinatorEpoch, true
}
