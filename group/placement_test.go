package group

import "testing"

// A group lives in partition abs(javaStringHashCode(groupId)) % 50, as in
// Kafka; these values were computed with Java's String.hashCode rules
// (UTF-16 code units, 32-bit overflow), including the string whose hash
// is Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
func TestPartitionForMatchesKafka(t *testing.T) {
	for _, tc := range []struct {
		group string
		hash  int32
		want  int32
	}{
		{"moving", -1068259250, 0},
		{"my-group", -1906497762, 12},
		{"test-group", 627841412, 12},
		{"", 0, 0},
		{"polygenelubricants", -2147483648, 0},
		{"é-group", 2016868507, 7},
		{"😀g", 54959972, 22},
	} {
		if h := javaStringHashCode(tc.group); h != tc.hash {
			t.Errorf("hashCode(%q) = %d, want %d", tc.group, h, tc.hash)
		}
		if p := PartitionFor(tc.group, 50); p != tc.want {
			t.Errorf("PartitionFor(%q) = %d, want %d", tc.group, p, tc.want)
		}
	}
}
