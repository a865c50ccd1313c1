package broker_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka 4 still serves DeleteGroups v0 (ApiVersions says 0-3; KIP-896
// did not remove it), so an old admin client can delete a group.
func TestDeleteGroupsV0IsServed(t *testing.T) {
	c := startAPICluster(t)
	cl := pinnedClient(t, c, kmsg.DeleteGroups.Int16(), 0)
	req := kmsg.NewPtrDeleteGroupsRequest()
	req.Groups = []string{"never-was"}
	resp := send[*kmsg.DeleteGroupsResponse](t, cl, req)
	if resp.Version != 0 || len(resp.Groups) != 1 {
		t.Fatalf("answered v%d with %d groups, want v0 with 1", resp.Version, len(resp.Groups))
	}
	wantCode(t, "deleting an unknown group", resp.Groups[0].ErrorCode, kerr.GroupIDNotFound)
}
