package broker

// Hooks for the external API tests (package broker_test) into what no
// client can do.

// CreateInternalTopicForTest creates an internal topic (as the group and
// transaction coordinators do for __consumer_offsets and
// __transaction_state), which clients are not allowed to create.
func CreateInternalTopicForTest(c *Cluster, name string, partitions int32) error {
	_, err := c.ctl.createTopic(topicSpec{name: name, partitions: partitions, replicationFactor: -1, configs: map[string]string{}, internal: true}, false)
	return err
}
