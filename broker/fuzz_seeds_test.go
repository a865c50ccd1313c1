package broker

import (
	"bytes"
	"encoding/binary"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fuzzSeedFrames is the starting corpus of FuzzRequestFrames: valid
// requests of several APIs and versions, as real clients encode them, and
// the classic ways to break them.
func fuzzSeedFrames() [][]byte {
	valid := fuzzSeedRequests()
	seeds := append([][]byte(nil), valid...)
	for _, frame := range valid {
		seeds = append(seeds, fuzzMutations(frame)...)
	}
	// Pipelined: several requests in one write.
	seeds = append(seeds, bytes.Join(valid[:6], nil), bytes.Join(valid[len(valid)-6:], nil))
	// Framing alone.
	seeds = append(seeds,
		nil,
		[]byte{0, 0, 0, 0},             // an empty frame
		[]byte{0xff, 0xff, 0xff, 0xff}, // negative size
		[]byte{0x7f, 0xff, 0xff, 0xff}, // far over socket.request.max.bytes
		[]byte{0, 0, 0, 10, 0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff},      // ApiVersions v3 header, no body
		[]byte{0, 0, 0, 10, 0x27, 0x0f, 0, 0, 0, 0, 0, 1, 0xff, 0xff}, // unknown API key 9999
	)
	return seeds
}

// fuzzMutations breaks a valid frame in the ways a fuzzer takes long to
// find alone.
func fuzzMutations(frame []byte) [][]byte {
	var out [][]byte
	body := frame[4:]
	withSize := func(size int, b []byte) []byte {
		f := binary.BigEndian.AppendUint32(nil, uint32(size))
		return append(f, b...)
	}
	// Truncated body with a size that says so, and a size that claims the
	// bytes are still coming.
	if len(body) > 12 {
		out = append(out, withSize(len(body)-3, body[:len(body)-3]))
		out = append(out, frame[:len(frame)-3])
	}
	// Sizes that disagree with the body.
	out = append(out, withSize(len(body)+1, body), withSize(len(body)-1, body))
	// A huge array count right after the header (where most requests
	// start with one), classic and compact.
	h, err := parseRequestHeader(body)
	if err != nil {
		return out
	}
	start := h.bodyStart
	req := kmsg.RequestForKey(h.key)
	req.SetVersion(h.version)
	flexible := req.IsFlexible()
	if flexible {
		start++ // the empty tagged fields of the header
	}
	if len(body) >= start+4 {
		huge := bytes.Clone(body)
		binary.BigEndian.PutUint32(huge[start:], 0x7fffffff)
		out = append(out, withSize(len(huge), huge))
		neg := bytes.Clone(body)
		binary.BigEndian.PutUint32(neg[start:], 0xfffffffe)
		out = append(out, withSize(len(neg), neg))
	}
	if flexible && len(body) > start {
		// Header tagged fields: a count with no tags behind it, and a tag
		// whose length overruns the frame.
		bad := bytes.Clone(body)
		bad[start-1] = 5
		out = append(out, withSize(len(bad), bad))
		overrun := append(bytes.Clone(body[:start-1]), 1, 0, 0x7f)
		overrun = append(overrun, body[start:]...)
		out = append(out, withSize(len(overrun), overrun))
		// Body tagged fields (the last byte of most flexible requests).
		tail := bytes.Clone(body)
		tail[len(tail)-1] = 0xff
		out = append(out, withSize(len(tail), tail))
	}
	// A client id length that overruns the frame.
	cid := bytes.Clone(body)
	binary.BigEndian.PutUint16(cid[8:], 0x7fff)
	out = append(out, withSize(len(cid), cid))
	return out
}

// fuzzSeedRequests returns encoded frames of valid requests.
func fuzzSeedRequests() [][]byte {
	var out [][]byte
	formatter := kmsg.NewRequestFormatter(kmsg.FormatterClientID("seed"))
	add := func(r kmsg.Request, versions ...int16) {
		for _, v := range versions {
			r.SetVersion(v)
			out = append(out, formatter.AppendRequest(nil, r, int32(100+len(out))))
		}
	}
	fuzzTopic := "fuzz"

	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "seed", "1.0"
	add(av, 0, 3, 4, 9)

	md := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = &fuzzTopic
	md.Topics = []kmsg.MetadataRequestTopic{mt}
	add(md, 0, 1, 4, 9, 12)
	mdNew := kmsg.NewPtrMetadataRequest()
	newTopic := "fuzz-auto"
	mtn := kmsg.NewMetadataRequestTopic()
	mtn.Topic = &newTopic
	mdNew.Topics = []kmsg.MetadataRequestTopic{mtn}
	mdNew.AllowAutoTopicCreation = true
	add(mdNew, 4, 12)

	batch, _ := record.Build(record.BatchOptions{}, []record.Record{
		{Timestamp: fuzzEpoch.UnixMilli(), Key: []byte("key"), Value: []byte("value"),
			Headers: []record.RecordHeader{{Key: "h", Value: []byte("1")}}},
		{Timestamp: fuzzEpoch.UnixMilli() + 5, Value: []byte("second")},
	})
	zbatch, _ := record.Build(record.BatchOptions{Compression: record.Zstd}, []record.Record{
		{Timestamp: fuzzEpoch.UnixMilli(), Value: bytes.Repeat([]byte("z"), 100)},
	})
	for _, acks := range []int16{1, 0, -1, 2} {
		pr := kmsg.NewPtrProduceRequest()
		pr.Acks, pr.TimeoutMillis = acks, 1000
		pt := kmsg.NewProduceRequestTopic()
		pt.Topic = fuzzTopic
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Records = batch
		pp2 := kmsg.NewProduceRequestTopicPartition()
		pp2.Partition, pp2.Records = 1, zbatch
		pt.Partitions = []kmsg.ProduceRequestTopicPartition{pp, pp2}
		pr.Topics = []kmsg.ProduceRequestTopic{pt}
		if acks == 1 {
			add(pr, 3, 7, 9, 11)
		} else {
			add(pr, 9)
		}
	}

	fr := kmsg.NewPtrFetchRequest()
	fr.ReplicaID, fr.MaxWaitMillis, fr.MinBytes, fr.MaxBytes = -1, 0, 1, 1<<20
	fr.SessionEpoch = -1
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = fuzzTopic
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes, fp.CurrentLeaderEpoch = 1<<20, -1
	ft.Partitions = []kmsg.FetchRequestTopicPartition{fp}
	fr.Topics = []kmsg.FetchRequestTopic{ft}
	add(fr, 4, 7, 11, 12)
	fr.SessionEpoch = 0 // open a session
	add(fr, 7, 12)
	fr.SessionEpoch = -1
	fr.MaxWaitMillis, fr.MinBytes = 500, 1<<20 // parks until max wait
	add(fr, 11)
	fr.MaxWaitMillis, fr.MinBytes = 0, 1

	lo := kmsg.NewPtrListOffsetsRequest()
	lo.ReplicaID = -1
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = fuzzTopic
	for _, ts := range []int64{-1, -2, -3, fuzzEpoch.UnixMilli()} {
		lp := kmsg.NewListOffsetsRequestTopicPartition()
		lp.Timestamp, lp.CurrentLeaderEpoch = ts, -1
		lt.Partitions = append(lt.Partitions, lp)
	}
	lo.Topics = []kmsg.ListOffsetsRequestTopic{lt}
	add(lo, 1, 4, 6, 8, 10)

	ct := kmsg.NewPtrCreateTopicsRequest()
	ctt := kmsg.NewCreateTopicsRequestTopic()
	ctt.Topic, ctt.NumPartitions, ctt.ReplicationFactor = "fuzz-created", 3, 1
	cfg := kmsg.NewCreateTopicsRequestTopicConfig()
	cfg.Name, cfg.Value = "retention.ms", kmsg.StringPtr("60000")
	ctt.Configs = []kmsg.CreateTopicsRequestTopicConfig{cfg}
	ct.Topics = []kmsg.CreateTopicsRequestTopic{ctt}
	ct.TimeoutMillis = 1000
	add(ct, 2, 5, 7)

	cp := kmsg.NewPtrCreatePartitionsRequest()
	cpt := kmsg.NewCreatePartitionsRequestTopic()
	cpt.Topic, cpt.Count = "fuzz-created", 4
	cp.Topics = []kmsg.CreatePartitionsRequestTopic{cpt}
	add(cp, 0, 2, 3)

	dt := kmsg.NewPtrDeleteTopicsRequest()
	dt.TopicNames = []string{"fuzz-created"}
	dtt := kmsg.NewDeleteTopicsRequestTopic()
	dtt.Topic = kmsg.StringPtr("fuzz-created")
	dt.Topics = []kmsg.DeleteTopicsRequestTopic{dtt}
	add(dt, 1, 4, 6)

	dc := kmsg.NewPtrDescribeConfigsRequest()
	dcr := kmsg.NewDescribeConfigsRequestResource()
	dcr.ResourceType, dcr.ResourceName = 2, fuzzTopic
	dcb := kmsg.NewDescribeConfigsRequestResource()
	dcb.ResourceType, dcb.ResourceName = 4, "1"
	dc.Resources = []kmsg.DescribeConfigsRequestResource{dcr, dcb}
	add(dc, 1, 4)

	ac := kmsg.NewPtrAlterConfigsRequest()
	acr := kmsg.NewAlterConfigsRequestResource()
	acr.ResourceType, acr.ResourceName = 2, fuzzTopic
	ace := kmsg.NewAlterConfigsRequestResourceConfig()
	ace.Name, ace.Value = "retention.ms", kmsg.StringPtr("1000")
	acr.Configs = []kmsg.AlterConfigsRequestResourceConfig{ace}
	ac.Resources = []kmsg.AlterConfigsRequestResource{acr}
	add(ac, 0, 2)

	iac := kmsg.NewPtrIncrementalAlterConfigsRequest()
	iacr := kmsg.NewIncrementalAlterConfigsRequestResource()
	iacr.ResourceType, iacr.ResourceName = 2, fuzzTopic
	iace := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	iace.Name, iace.Op, iace.Value = "cleanup.policy", 2, kmsg.StringPtr("compact") // APPEND
	iacr.Configs = []kmsg.IncrementalAlterConfigsRequestResourceConfig{iace}
	iac.Resources = []kmsg.IncrementalAlterConfigsRequestResource{iacr}
	add(iac, 0, 1)

	dr := kmsg.NewPtrDeleteRecordsRequest()
	drt := kmsg.NewDeleteRecordsRequestTopic()
	drt.Topic = fuzzTopic
	drp := kmsg.NewDeleteRecordsRequestTopicPartition()
	drp.Offset = 1
	drt.Partitions = []kmsg.DeleteRecordsRequestTopicPartition{drp}
	dr.Topics = []kmsg.DeleteRecordsRequestTopic{drt}
	dr.TimeoutMillis = 1000
	add(dr, 0, 2)

	add(kmsg.NewPtrDescribeClusterRequest(), 0, 1)

	dld := kmsg.NewPtrDescribeLogDirsRequest()
	dldt := kmsg.NewDescribeLogDirsRequestTopic()
	dldt.Topic, dldt.Partitions = fuzzTopic, []int32{0, 1, 7}
	dld.Topics = []kmsg.DescribeLogDirsRequestTopic{dldt}
	add(dld, 1, 4)

	dtp := kmsg.NewPtrDescribeTopicPartitionsRequest()
	dtpt := kmsg.NewDescribeTopicPartitionsRequestTopic()
	dtpt.Topic = fuzzTopic
	dtp.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{dtpt}
	dtp.ResponsePartitionLimit = 1
	add(dtp, 0)

	el := kmsg.NewPtrElectLeadersRequest()
	elt := kmsg.NewElectLeadersRequestTopic()
	elt.Topic, elt.Partitions = fuzzTopic, []int32{0, 1}
	el.Topics = []kmsg.ElectLeadersRequestTopic{elt}
	el.TimeoutMillis = 1000
	add(el, 0, 2)

	ip := kmsg.NewPtrInitProducerIDRequest()
	ip.TransactionTimeoutMillis, ip.ProducerID, ip.ProducerEpoch = 60000, -1, -1
	add(ip, 0, 2, 5)

	ofl := kmsg.NewPtrOffsetForLeaderEpochRequest()
	ofl.ReplicaID = -1
	oflt := kmsg.NewOffsetForLeaderEpochRequestTopic()
	oflt.Topic = fuzzTopic
	oflp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	oflp.CurrentLeaderEpoch, oflp.LeaderEpoch = -1, 0
	oflt.Partitions = []kmsg.OffsetForLeaderEpochRequestTopicPartition{oflp}
	ofl.Topics = []kmsg.OffsetForLeaderEpochRequestTopic{oflt}
	add(ofl, 2, 4)

	// Versions the broker does not serve, and an API it does not know.
	add(md, 13)
	add(fr, 3)
	return out
}
