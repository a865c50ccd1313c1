package broker

// DescribeTransactions (key 65), version 0 (KIP-664).
//
// The state of transactional ids at their coordinator: state, producer
// id and epoch, timeout, start time and partitions. An id this broker
// does not coordinate is NOT_COORDINATOR (the admin client asks each
// id's coordinator); an unknown one TRANSACTIONAL_ID_NOT_FOUND.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 0, handleDescribeTransactions) }

func handleDescribeTransactions(r *request, req *kmsg.DescribeTransactionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeTransactionsResponse))
	for _, id := range req.TransactionalIDs {
		st := kmsg.NewDescribeTransactionsResponseTransactionState()
		st.TransactionalID = id
		t, err := r.broker.txns.Describe(id)
		if err != nil {
			st.ErrorCode = kafkaerr.Code(err)
			st.ProducerID, st.ProducerEpoch, st.StartTimestamp = -1, -1, -1
			resp.TransactionStates = append(resp.TransactionStates, st)
			continue
		}
		st.State = t.State.String()
		st.TimeoutMillis = int32(t.Timeout.Milliseconds())
		st.StartTimestamp = -1
		if !t.StartTime.IsZero() {
			st.StartTimestamp = t.StartTime.UnixMilli()
		}
		st.ProducerID, st.ProducerEpoch = t.ProducerID, t.ProducerEpoch
		for _, tp := range t.Partitions {
			if n := len(st.Topics); n > 0 && st.Topics[n-1].Topic == tp.Topic {
				st.Topics[n-1].Partitions = append(st.Topics[n-1].Partitions, tp.Partition)
				continue
			}
			ot := kmsg.NewDescribeTransactionsResponseTransactionStateTopic()
			ot.Topic, ot.Partitions = tp.Topic, []int32{tp.Partition}
			st.Topics = append(st.Topics, ot)
		}
		resp.TransactionStates = append(resp.TransactionStates, st)
	}
	return resp, nil
}
