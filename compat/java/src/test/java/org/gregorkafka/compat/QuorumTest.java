package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.junit.jupiter.api.Test;

/** Admin.describeMetadataQuorum (DescribeQuorum, KIP-836): gregor's controller as a single combined node. */
class QuorumTest {

    @Test
    void describeMetadataQuorum() throws Exception {
        try (Admin admin = Gregor.admin()) {
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
            assertEquals(1, q.leaderId(), "the controller's broker leads the metadata log");
            assertEquals(1, q.leaderEpoch());
            assertTrue(q.highWatermark() > 0, "high watermark " + q.highWatermark());
            assertEquals(List.of(1), q.voters().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
            assertEquals(List.of(2, 3), q.observers().stream().map(QuorumInfo.ReplicaState::replicaId).sorted().toList());
            for (QuorumInfo.ReplicaState r : q.voters()) {
                assertEquals(q.highWatermark(), r.logEndOffset(), "the leader is at the high watermark");
            }
            assertEquals(1, q.nodes().size(), "the voter's endpoints: " + q.nodes());
        }
    }
}
