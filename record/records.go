package record

import (
	"encoding/binary"
)

// Record is one record of a batch, with its offset and timestamp made
// absolute. Key and Value are nil for Kafka's null (length -1), which is
// not the same as empty: a null value is a tombstone on a compacted topic.
type Record struct {
	Attributes int8
	Offset     int64
	Timestamp  int64
	Key        []byte
	Value      []byte
	Headers    []RecordHeader
	// OffsetDelta and TimestampDelta are the values as encoded, relative
	// to the batch's base offset and base timestamp.
	OffsetDelta    int32
	TimestampDelta int64
}

// RecordHeader is one application header of a record.
type RecordHeader struct {
	Key   string
	Value []byte
}

// Records decodes every record of a batch, decompressing if needed. The
// records' byte slices point into the batch (or into the decompressed
// copy), so the caller must not modify the batch while using them.
func Records(batch []byte) ([]Record, error) {
	var out []Record
	err := decodeRecords(batch,
		func(n int) { out = make([]Record, 0, n) },
		func(_ int, r Record) error { out = append(out, r); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each decodes the records of a batch one at a time, decompressing if
// needed, and calls fn for each in order. It checks everything Records
// checks, and stops at the first corrupt record or the first error fn
// returns, which it returns. Unlike Records it holds one record at a
// time, so checking a batch of many records allocates nothing for them.
// The record's slices point into the batch or a decompressed copy, as
// with Records.
func Each(batch []byte, fn func(i int, r Record) error) error {
	return decodeRecords(batch, nil, fn)
}

// decodeRecords walks a batch's records for Records and Each. count, if
// not nil, learns the number of records before the first one is decoded.
func decodeRecords(batch []byte, count func(n int), fn func(i int, r Record) error) error {
	h, err := ReadHeader(batch)
	if err != nil {
		return err
	}
	if h.Length < HeaderSize-LogOverhead {
		return corruptf("batch length %d is smaller than the header", h.Length)
	}
	if h.Size() > len(batch) {
		return corruptf("batch length %d overruns the %d bytes given", h.Size(), len(batch))
	}
	body, err := Decompress(h.Compression(), batch[HeaderSize:h.Size()])
	if err != nil {
		return err
	}
	if h.NumRecords < 0 {
		return corruptf("negative record count %d", h.NumRecords)
	}
	// Each record takes at least 7 bytes, which bounds the allocation for a
	// hostile count.
	n := int(h.NumRecords)
	if n > len(body)/7+1 {
		return corruptf("record count %d cannot fit in %d bytes", n, len(body))
	}
	if count != nil {
		count(n)
	}
	// The record is handed to fn by value: it stays on the stack, where
	// a pointer to it would move it to the heap and make every decoded
	// record a write through the garbage collector's barriers.
	for i := 0; i < n; i++ {
		r, rest, err := decodeRecord(body)
		if err != nil {
			return corruptf("record %d: %v", i, err)
		}
		r.Offset = h.BaseOffset + int64(r.OffsetDelta)
		r.Timestamp = h.BaseTimestamp + r.TimestampDelta
		if h.TimestampType() == LogAppendTime {
			r.Timestamp = h.MaxTimestamp
		}
		if err := fn(i, r); err != nil {
			return err
		}
		body = rest
	}
	if len(body) != 0 {
		return corruptf("%d bytes left after %d records", len(body), n)
	}
	return nil
}

type decodeError string

func (e decodeError) Error() string { return string(e) }

const errShort = decodeError("record is truncated")

func decodeRecord(b []byte) (Record, []byte, error) {
	length, n := binary.Varint(b)
	if n <= 0 || length < 0 || int64(len(b)-n) < length {
		return Record{}, nil, errShort
	}
	rest := b[n+int(length):]
	d := decoder{b: b[n : n+int(length)], ok: true}
	var r Record
	r.Attributes = int8(d.byte())
	r.TimestampDelta = d.varlong()
	r.OffsetDelta = int32(d.varlong())
	r.Key = d.nullableBytes()
	r.Value = d.nullableBytes()
	nh := d.varlong()
	if nh < 0 || nh > int64(d.left()) {
		d.fail()
	}
	for i := int64(0); i < nh && d.ok; i++ {
		k := d.nullableBytes()
		v := d.nullableBytes()
		r.Headers = append(r.Headers, RecordHeader{Key: string(k), Value: v})
	}
	if !d.ok {
		return Record{}, nil, errShort
	}
	if d.left() != 0 {
		return Record{}, nil, decodeError("record length does not match its fields")
	}
	return r, rest, nil
}

// decoder reads a record's fields. It moves an index rather than
// re-slicing b, so that advancing stores an integer, not a pointer (a
// pointer store through *decoder would pass the garbage collector's
// write barrier, which costs a lot on a hot path while GC runs).
type decoder struct {
	b   []byte
	pos int
	ok  bool
}

func (d *decoder) left() int { return len(d.b) - d.pos }

func (d *decoder) fail() { d.ok = false; d.pos = len(d.b) }

func (d *decoder) byte() byte {
	if d.left() < 1 {
		d.fail()
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) varlong() int64 {
	// Most varints in a record (attributes aside: deltas, lengths,
	// header count) are small; one byte is the common case.
	if d.pos < len(d.b) && d.b[d.pos] < 0x80 {
		u := uint64(d.b[d.pos])
		d.pos++
		return int64(u>>1) ^ -int64(u&1)
	}
	v, n := binary.Varint(d.b[d.pos:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) nullableBytes() []byte {
	n := d.varlong()
	if n < 0 {
		return nil
	}
	if n > int64(d.left()) {
		d.fail()
		return nil
	}
	end := d.pos + int(n)
	v := d.b[d.pos:end:end]
	d.pos = end
	return v
}
