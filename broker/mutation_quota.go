package broker

import (
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// mutationCheck is what checkMutations found; the zero value changes
// nothing.
type mutationCheck struct {
	throttleMs int64
}

// checkMutations is filled in by controller_mutation_rate (KIP-599).
func (b *Broker) checkMutations(r *request, qs *quota.Set, user, client string) mutationCheck {
	return mutationCheck{}
}

func (m mutationCheck) finish(resp kmsg.Response) kmsg.Response { return resp }
