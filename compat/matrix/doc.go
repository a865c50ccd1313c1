// Package matrix writes the client × feature table of docs/compatibility.md
// from test results: which Kafka clients (Java, franz-go, Sarama, kafka-go,
// librdkafka through kcat and through confluent-kafka-python, kafka-python,
// kafkajs, Spring Kafka, Kafka Streams, Kafka's CLI tools) were proved to
// do what against gregor, with the versions tested.
//
// Each cell of the table names the tests that prove it (cells.go). The
// polyglot suites (compat/python, compat/node) report one subtest per
// feature, so their cells name subtests. With GREGOR_MATRIX_WRITE=1,
// TestWriteMatrix runs every named test once through `go test -json`,
// keeps that stream as the results file (GREGOR_MATRIX_RESULTS, or a temp
// file), and writes the table only if every cell's tests passed and none
// skipped; compat/kafkaref keeps the section when it rewrites the rest of
// the file. TestMatrixIsCurrent, which runs always and needs nothing but
// Go, checks that the committed section is the one the cells and the
// pinned versions would write now.
//
//	GREGOR_MATRIX_WRITE=1 go test -run TestWriteMatrix ./compat/matrix
//
// The package holds only tests.
package matrix
