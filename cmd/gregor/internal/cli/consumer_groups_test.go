package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupFixture is a cluster with topic orders (one partition, five
// records at times 1s..5s after the epoch) and group g, without members,
// that has committed offset 3.
func groupFixture(t *testing.T) string {
	t.Helper()
	bs := startCluster(t, broker.Topic("orders", 1, 1, nil))
	var recs []*kgo.Record
	for i := range 5 {
		recs = append(recs, &kgo.Record{Topic: "orders", Timestamp: time.UnixMilli(int64(i+1) * 1000), Value: []byte("o")})
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := produceManual(ctx, bs, recs); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "orders", "--group", "g",
		"--from-beginning", "--max-messages", "3")
	return bs
}

func TestConsumerGroupsListAndDescribeEmptyGroup(t *testing.T) {
	bs := groupFixture(t)
	wantOutput(t, mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--list"), "g\n")
	wantOutput(t, mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--list", "--state"),
		"GROUP           STATE\ng               Empty\n")
	r := gregorCmd(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "g")
	if r.code != exitOK || r.stderr != "\nConsumer group 'g' has no active members.\n" {
		t.Fatalf("describe: exit %d, stderr %q", r.code, r.stderr)
	}
	wantOutput(t, r.stdout, "\n"+
		"GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"+
		"g               orders          0          3               5               2               -               -               -\n")
	r = gregorCmd(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "nope")
	if r.code != exitError || !strings.Contains(r.stderr, "Consumer group 'nope' does not exist.") {
		t.Errorf("describe of a missing group: exit %d, stderr %q", r.code, r.stderr)
	}
}

// committedOffset is the CURRENT-OFFSET column of group g's only row.
func committedOffset(t *testing.T, bs string) string {
	t.Helper()
	out := mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "g")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.Fields(lines[len(lines)-1])[3]
}

func TestConsumerGroupsResetOffsets(t *testing.T) {
	bs := groupFixture(t)
	reset := func(args ...string) string {
		return mustRun(t, "", append([]string{"consumer-groups", "--bootstrap-server", bs, "--reset-offsets", "--group", "g"}, args...)...)
	}
	out := reset("--topic", "orders", "--to-earliest", "--dry-run")
	wantOutput(t, out, "\n"+
		"GROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n"+
		"g                              orders                         0          0              \n")
	if got := committedOffset(t, bs); got != "3" {
		t.Fatalf("--dry-run changed the committed offset to %s", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--topic", "orders", "--to-earliest"}, "0"},
		{[]string{"--topic", "orders:0", "--shift-by", "2"}, "2"},
		{[]string{"--all-topics", "--shift-by", "-10"}, "0"},      // clamped to the log start
		{[]string{"--topic", "orders", "--to-offset", "99"}, "5"}, // clamped to the log end
		{[]string{"--topic", "orders", "--to-offset", "4"}, "4"},
		{[]string{"--topic", "orders", "--to-datetime", "1970-01-01T00:00:03.000Z"}, "2"},
		{[]string{"--topic", "orders", "--by-duration", "P36500D"}, "0"}, // a hundred years ago: before every record
		{[]string{"--topic", "orders", "--to-latest"}, "5"},
	} {
		reset(append(c.args, "--execute")...)
		if got := committedOffset(t, bs); got != c.want {
			t.Errorf("--reset-offsets %s --execute: committed offset %s, want %s", strings.Join(c.args, " "), got, c.want)
		}
	}
	if r := gregorCmd(t, "", "consumer-groups", "--bootstrap-server", bs, "--reset-offsets", "--group", "g", "--topic", "orders"); r.code != exitUsage {
		t.Errorf("--reset-offsets without a scenario: exit %d, want 2", r.code)
	}
}

func TestConsumerGroupsActiveMemberDeleteAndDeleteOffsets(t *testing.T) {
	bs := groupFixture(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs), kgo.ConsumerGroup("live"), kgo.ConsumeTopics("orders"),
		kgo.ClientID("my-app"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if fs := cl.PollFetches(ctx); fs.NumRecords() == 0 { // joined, assigned orders-0, fetched
		t.Fatalf("the live member consumed nothing: %v", fs.Errors())
	}
	masks := []string{`my-app-[0-9a-f-]+`, `/?127\.0\.0\.1 *`}
	out := mask(mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "live", "--members", "--verbose"), masks...)
	if !strings.Contains(out, "CONSUMER-ID") || !strings.Contains(out, "live            <masked> <masked>my-app          1               orders(0)") {
		t.Errorf("--members --verbose:\n%q", out)
	}
	out = mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "live", "--state")
	if f := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1]); len(f) != 6 || f[0] != "live" || f[3] != "range" && f[3] != "cooperative-sticky" || f[4] != "Stable" || f[5] != "1" {
		t.Errorf("--state:\n%s", out)
	}
	r := gregorCmd(t, "", "consumer-groups", "--bootstrap-server", bs, "--reset-offsets", "--group", "live", "--all-topics", "--to-earliest", "--execute")
	if r.code != exitError || !strings.Contains(r.stderr, "Assignments can only be reset if the group 'live' is inactive, but the current state is Stable.") {
		t.Errorf("reset of a live group: exit %d, stderr %q", r.code, r.stderr)
	}
	r = gregorCmd(t, "", "consumer-groups", "--bootstrap-server", bs, "--delete", "--group", "live")
	if r.code != exitError || !strings.Contains(r.stderr, "Group 'live' could not be deleted due to: NON_EMPTY_GROUP") {
		t.Errorf("delete of a live group: exit %d, stderr %q", r.code, r.stderr)
	}

	out = mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--delete-offsets", "--group", "g", "--topic", "orders")
	wantOutput(t, out, "Request succeed for deleting offsets from group 'g'.\n\n"+
		"TOPIC                          PARTITION       STATUS         \n"+
		"orders                         0               Successful     \n")
	// Without members or offsets, the group's table has no rows.
	if out := mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "g"); strings.Contains(out, "orders") {
		t.Errorf("after --delete-offsets:\n%s", out)
	}
	wantOutput(t, mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--delete", "--group", "g"),
		"Deletion of requested consumer groups ('g') was successful.\n")
	wantOutput(t, mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--list"), "live\n")
}

// A group without members shows the partitions it committed, not the
// others of the same topic, as Kafka's ConsumerGroupCommand.
func TestConsumerGroupsDescribeShowsCommittedPartitionsOnly(t *testing.T) {
	bs := startCluster(t, broker.Topic("two", 2, 1, nil))
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "two", Partition: 1, At: 0, LeaderEpoch: -1})
	if err := kadm.NewClient(cl).CommitAllOffsets(t.Context(), "g", offsets); err != nil {
		t.Fatal(err)
	}
	wantOutput(t, mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "g"), "\n"+
		"GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"+
		"g               two             1          0               0               0               -               -               -\n")
}
