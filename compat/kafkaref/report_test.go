package kafkaref

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// docs/compatibility.md is written from what the tests found, when
// KAFKAREF_WRITE_DOCS=1 is set alongside GREGOR_KAFKAREF=1:
//
//	GREGOR_KAFKAREF=1 KAFKAREF_WRITE_DOCS=1 go test ./compat/kafkaref
//
// Each test adds its section; TestMain writes the file after the run.

const writeDocsEnv = "KAFKAREF_WRITE_DOCS"

// clientMatrixMarker opens compat/matrix's section of the document.
const clientMatrixMarker = "<!-- client matrix: written by compat/matrix -->"

var report = struct {
	sync.Mutex
	sections map[int]string
}{sections: map[int]string{}}

// Section order in the document.
const (
	sectionConfigs = iota
	sectionRequests
	sectionSegments
	sectionExamples
)

func addSection(order int, text string) {
	report.Lock()
	defer report.Unlock()
	report.sections[order] += text
}

var kafkaVersion = regexp.MustCompile(`<kafka.version>([^<]+)</kafka.version>`)

// writeReport writes docs/compatibility.md if asked to and if every
// section is there (a partial run would write a partial document).
func writeReport() error {
	if os.Getenv(writeDocsEnv) != "1" {
		return nil
	}
	report.Lock()
	defer report.Unlock()
	if len(report.sections) != 4 {
		return fmt.Errorf("%s=1 needs the whole package to run (%d of 4 sections)", writeDocsEnv, len(report.sections))
	}
	pom, err := os.ReadFile("pom.xml")
	if err != nil {
		return err
	}
	version := "?"
	if m := kafkaVersion.FindSubmatch(pom); m != nil {
		version = string(m[1])
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# gregor compared with Apache Kafka %s

This file is written by the tests in compat/kafkaref, which start a
single-node KRaft Kafka %s from its jars and ask it and gregor the same
questions:

	GREGOR_KAFKAREF=1 KAFKAREF_WRITE_DOCS=1 go test ./compat/kafkaref

Each row is one line of an allow list under compat/kafkaref/testdata: a
difference the tests found, how many fields it covers, one of them, and
why it is there. A difference that is not listed fails the tests. The
summary for users is in [not-yet.md](not-yet.md).

`, version, version)
	titles := []string{"Configs (DescribeConfigs, broker and topic)", "Requests", "Segment files", "examples/ against Kafka"}
	for i, title := range titles {
		fmt.Fprintf(&b, "## %s\n\n%s\n", title, report.sections[i])
	}
	path := filepath.Join("..", "..", "docs", "compatibility.md")
	// The client matrix at the end of the file is compat/matrix's, written
	// from its own test run: keep it as it is.
	if old, err := os.ReadFile(path); err == nil {
		if i := strings.Index(string(old), clientMatrixMarker); i >= 0 {
			b.WriteString("\n" + string(old[i:]))
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
