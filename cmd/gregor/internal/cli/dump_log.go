package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/gregorkafka/gregor/dumplog"
)

// runDumpLog is kafka-dump-log.sh (DumpLogSegments): segment files, or
// whole partition directories, printed in Kafka's lines (package
// dumplog). It reads files, not a cluster, so it takes no
// --bootstrap-server; point it at gregor's data directory
// (<dir>/broker-<id>/<topic>-<partition>) or at a Kafka broker's log.dirs.
func runDumpLog(_ context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("gregor dump-log", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	files := fs.String("files", "", "REQUIRED: the comma-separated data and index log files (or partition directories) to dump")
	var o dumplog.Options
	fs.BoolVar(&o.PrintDataLog, "print-data-log", false, "print the records' keys and values (implies --deep-iteration)")
	fs.BoolVar(&o.DeepIteration, "deep-iteration", false, "print each record's metadata, not only the batches'")
	fs.BoolVar(&o.SkipRecordMetadata, "skip-record-metadata", false, "leave the record metadata out of deep lines")
	fs.BoolVar(&o.VerifyIndexOnly, "verify-index-only", false, "check the indexes against the log without printing their entries")
	fs.BoolVar(&o.IndexSanityCheck, "index-sanity-check", false, "only run the check a broker runs on its indexes at startup")
	fs.IntVar(&o.MaxBytes, "max-bytes", 2147483647, "read at most this many bytes of each .log file")
	fs.IntVar(&o.MaxMessageSize, "max-message-size", 5*1024*1024, "how far past an index entry's position its batch is looked for")
	fs.BoolVar(&o.OffsetsDecoder, "offsets-decoder", false, "decode __consumer_offsets records (not implemented yet)")
	fs.BoolVar(&o.TransactionLogDecoder, "transaction-log-decoder", false, "decode __transaction_state records (not implemented yet)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: gregor dump-log --files a.log,b.index,... [flags]\n\n"+
			"Prints segment files as kafka-dump-log.sh does; a directory dumps every segment file in it.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var paths []string
	for _, f := range strings.Split(*files, ",") {
		if f = strings.TrimSpace(f); f != "" {
			paths = append(paths, f)
		}
	}
	if len(paths) == 0 {
		return usageError(fs, "--files is required")
	}
	if o.MaxBytes <= 0 || o.MaxMessageSize <= 0 {
		return usageError(fs, "--max-bytes and --max-message-size must be positive")
	}
	if err := dumplog.Dump(e.stdout, e.stderr, paths, o); err != nil {
		if errors.Is(err, dumplog.ErrNotImplemented) {
			return usageError(fs, "%v", err)
		}
		return fail(e, "dump-log", err)
	}
	return exitOK
}
