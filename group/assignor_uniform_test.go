package group

import "testing"

// Step 3 of the uniform assignor: a member that kept its partitions
// (step 1) and was then handed every partition only it subscribes to
// (step 2) holds all four; partitions of the shared topic move to the
// new member until the two are even.
func TestUniformAssignorBalancesAfterStickiness(t *testing.T) {
	t1, t2 := topicID{1}, topicID{2}
	a := assignment{}
	a.add(t2, 0)
	a.add(t2, 1)
	spec := assignorSpec{
		members: []assignorMember{
			{id: "a", topics: []topicID{t1, t2}, current: a},
			{id: "b", topics: []topicID{t2}, current: assignment{}},
		},
		partitions: map[topicID]int32{t1: 2, t2: 2},
		names:      map[topicID]string{t1: "t1", t2: "t2"},
	}
	out := uniformAssignor{}.assign(spec)
	if out["a"].size() != 2 || out["b"].size() != 2 {
		t.Fatalf("a owns %v, b owns %v; want two each", out["a"], out["b"])
	}
	if !out["a"].has(t1, 0) || !out["a"].has(t1, 1) || !out["b"].has(t2, 0) || !out["b"].has(t2, 1) {
		t.Fatalf("a owns %v, b owns %v; want a t1-0,1 and b t2-0,1", out["a"], out["b"])
	}
}
