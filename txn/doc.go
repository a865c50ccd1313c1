// Package txn is Kafka's transaction coordinator: the broker-side owner
// of every transactional.id, which turns a producer's BeginTransaction,
// sends and CommitTransaction into an atomic write across partitions
// (KIP-98, exactly-once semantics).
//
// # Where a transactional id lives
//
// Transaction state is kept in the internal topic __transaction_state
// (transaction.state.log.num.partitions partitions, 50 by default). A
// transactional id belongs to partition
// abs(javaStringHashCode(transactionalId)) % partitions (PartitionFor),
// and the leader of that partition is its coordinator: a broker loads a
// partition's transactions when it becomes its leader (Load) and drops
// them when it stops leading it (Unload). Every state change is written
// as a record in Kafka's schemas (records.go: TransactionLogKey version
// 0, TransactionLogValue version 1 with its tagged fields) and takes
// effect once it is replicated, so a new coordinator continues where the
// old one stopped. The leader epoch of the partition is the coordinator
// epoch written into every transaction marker; partitions refuse
// markers from an older coordinator.
//
// # The life of a transaction
//
// InitProducerId gives the producer its producer id and a new epoch,
// fencing any older producer of the same transactional id (its requests
// now fail with PRODUCER_FENCED or INVALID_PRODUCER_EPOCH).
// AddPartitionsToTxn and AddOffsetsToTxn name the partitions a
// transaction writes to (AddOffsetsToTxn adds the group's
// __consumer_offsets partition); the first one starts the transaction.
// EndTxn commits or aborts it: the coordinator writes PrepareCommit or
// PrepareAbort, answers the producer, writes a transaction marker (a
// control batch) to every partition of the transaction, and then writes
// CompleteCommit or CompleteAbort:
//
//	                 InitProducerId
//	   +-------+ <------------------------------------------+
//	   | Empty |                                            |
//	   +-------+                                            |
//	       | AddPartitionsToTxn / AddOffsetsToTxn           |
//	       v                                                |
//	  +---------+ ---- timeout (epoch bump) ----> +------------------+
//	  | Ongoing |                                 | PrepareEpochFence|
//	  +---------+ <-- more partitions             +------------------+
//	    |     |                                            | abort
//	    |     | EndTxn(abort), or InitProducerId           v
//	    |     +-------------------------------->  +--------------+
//	    | EndTxn(commit)                          | PrepareAbort |
//	    v                                         +--------------+
//	+---------------+                                     | markers written
//	| PrepareCommit |                                     v
//	+---------------+                             +---------------+
//	    | markers written                         | CompleteAbort |
//	    v                                         +---------------+
//	+----------------+                                    |
//	| CompleteCommit |  -- AddPartitionsToTxn: Ongoing ---+--> (as Empty)
//	+----------------+
//
//	Empty, CompleteCommit, CompleteAbort -> Dead: the transactional id
//	was unused for transactional.id.expiration.ms and its record is
//	deleted (a tombstone).
//
// While a transaction is in PrepareCommit or PrepareAbort, requests that
// would change it are answered CONCURRENT_TRANSACTIONS and the client
// retries; the same answer is given while a state change is being
// written (Kafka's pending state).
//
// # Epochs and KIP-360
//
// Each InitProducerId bumps the epoch. A producer that lost track of its
// state (a timed-out transaction, an UNKNOWN_PRODUCER_ID) may send its
// current producer id and epoch: when they match the coordinator's (or
// the previous ones, for a retry whose answer was lost) it gets the next
// epoch instead of being fenced. An epoch that would reach the maximum
// (32767) gives a new producer id with epoch 0 instead.
//
// # Transaction version 2 (KIP-890 part 2)
//
// The cluster's finalized transaction.version feature (2 in a cluster
// Kafka 4 formats) tells clients which protocol to speak; the
// coordinator follows the version of each request. Under version 1 the
// producer names each partition with AddPartitionsToTxn and keeps one
// epoch for all its transactions. Under version 2 it sends no
// AddPartitionsToTxn or AddOffsetsToTxn: the partition leader of a
// Produce v12 batch, or the group coordinator of a TxnOffsetCommit v5,
// adds the partition itself (AddPartitionsFromProduce), and every EndTxn
// v5 bumps the epoch (EndTxnV2): PrepareCommit or PrepareAbort is
// written with epoch+1, the markers carry it, and the producer continues
// with the epoch the answer gives. A write the finished transaction left
// behind is then stale by its epoch and refused, instead of opening the
// next transaction on its partition. An epoch about to be exhausted
// moves the producer to a new producer id at epoch 0
// (NextProducerId in the log). Because the epoch moves, a retry is known
// by its epoch: one behind after a decision of the same kind is answered
// as the first time; an abort with no transaction open is a transaction
// of its own (it bumps the epoch too), a commit of nothing is
// INVALID_TXN_STATE.
//
// # Timeouts
//
// A transaction may stay open for its transaction.timeout.ms (the
// producer's, bounded by transaction.max.timeout.ms, else
// INVALID_TRANSACTION_TIMEOUT). Every
// transaction.abort.timed.out.transaction.cleanup.interval.ms the
// coordinator aborts the transactions open longer than that: it bumps
// the epoch (PrepareEpochFence), so the producer that left it open is
// fenced, then aborts as for EndTxn(abort). Every
// transaction.remove.expired.transaction.cleanup.interval.ms it deletes
// transactional ids idle for transactional.id.expiration.ms.
//
// Configs: transaction.state.log.num.partitions,
// transaction.max.timeout.ms,
// transaction.abort.timed.out.transaction.cleanup.interval.ms,
// transactional.id.expiration.ms,
// transaction.remove.expired.transaction.cleanup.interval.ms (see
// Config). The broker supplies the log, the clock, producer ids and the
// path to partition leaders for the markers.
//
// Where gregor differs from Kafka, and why:
//
//   - KIP-939 two-phase commit (InitProducerId v6) is not served.
//   - A write of the coordinator waits for replication with no timeout
//     of its own; the request's connection closing or the coordinator
//     unloading ends the wait.
package txn
