package matrix

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The section's markers in docs/compatibility.md; compat/kafkaref keeps
// what is between them when it rewrites the file.
const (
	beginMarker = "<!-- client matrix: written by compat/matrix -->"
	endMarker   = "<!-- end of client matrix -->"
	docPath     = "../../docs/compatibility.md"
)

// versions are the client versions tested, read from the files that pin
// them; librdkafka's is the one on the machine, passed in.
func versions(librdkafka string) (map[string]string, error) {
	read := func(path string, re string) (string, error) {
		b, err := os.ReadFile(filepath.Join("..", "..", path))
		if err != nil {
			return "", err
		}
		m := regexp.MustCompile(re).FindSubmatch(b)
		if m == nil {
			return "", fmt.Errorf("%s: no match for %s", path, re)
		}
		return string(m[1]), nil
	}
	v := map[string]string{kcat: librdkafka}
	for _, q := range []struct{ client, path, re string }{
		{franz, "go.mod", `github.com/twmb/franz-go (v\S+)`},
		{sarama, "go.mod", `github.com/IBM/sarama (v\S+)`},
		{kafkago, "go.mod", `github.com/segmentio/kafka-go (v\S+)`},
		{python, "compat/python/requirements.txt", `kafka-python==(\S+)`},
		{rdkpy, "compat/python/requirements.txt", `confluent-kafka==(\S+)`},
		{kafkajs, "compat/node/package-lock.json", `"node_modules/kafkajs": \{\s*"version": "([^"]+)"`},
		{java, "compat/java/pom.xml", `<kafka.version>([^<]+)<`},
		{spring, "compat/java/pom.xml", `<spring-boot.version>([^<]+)<`},
	} {
		s, err := read(q.path, q.re)
		if err != nil {
			return nil, err
		}
		v[q.client] = s
	}
	v[streams], v[cli] = v[java], v[java]
	v[rdkpy] = "confluent-kafka " + v[rdkpy] + " and the librdkafka its wheel bundles"
	v[spring] = "Spring Boot " + v[spring] + " on kafka-clients " + v[java]
	return v, nil
}

// render is the section: the versions, the table, and the tests behind
// each cell.
func render(v map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n## Clients and features\n\n", beginMarker)
	b.WriteString(`Written by compat/matrix from a test run: each ✓ is a cell whose tests
all passed, none skipped, in one ` + "`go test -json`" + ` run of the tests named
below (the results file), with the versions pinned in this repository:

	GREGOR_MATRIX_WRITE=1 go test -run TestWriteMatrix ./compat/matrix

An empty cell is not a failure: no test claims it yet.

| client | version tested |
| --- | --- |
`)
	for _, c := range clients {
		fmt.Fprintf(&b, "| %s | %s |\n", c, v[c])
	}
	has := map[[2]string]bool{}
	for _, c := range cells {
		has[[2]string{c.client, c.feature}] = true
	}
	fmt.Fprintf(&b, "\n| feature | %s |\n|%s\n", strings.Join(clients, " | "), strings.Repeat(" --- |", len(clients)+1))
	for _, f := range features {
		row := []string{f}
		for _, c := range clients {
			mark := ""
			if has[[2]string{c, f}] {
				mark = "✓"
			}
			row = append(row, mark)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	b.WriteString("\n### The tests behind each cell\n\n| client | feature | tests | note |\n| --- | --- | --- | --- |\n")
	for _, c := range cells {
		names := make([]string, len(c.tests))
		for i, t := range c.tests {
			names[i] = "`" + strings.TrimPrefix(t, "./") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.client, c.feature, strings.Join(names, ", "), c.note)
	}
	fmt.Fprintf(&b, "\n%s\n", endMarker)
	return b.String()
}

// section is the committed matrix section of doc, or "" if it has none.
func section(doc string) string {
	i := strings.Index(doc, beginMarker)
	j := strings.Index(doc, endMarker)
	if i < 0 || j < i {
		return ""
	}
	return doc[i : j+len(endMarker)+1]
}
