package broker

import (
	"reflect"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// An error fault with a Topic (and Partitions) filter answers the error
// only on what it matches: the request is split into the matched topics
// or partitions, answered with the error and not handled, and the rest,
// handled as usual; the two responses are merged. A request whose every
// item matches is answered with the error whole, as errorResponse does.

// splitByFault returns the request's body cut in two: the items the
// fault names and the others. ok is false when the request has no
// per-topic items to cut, or when nothing is left over.
func splitByFault(body kmsg.Request, topic string, id TopicID, partitions []int32) (matched, rest kmsg.Request, ok bool) {
	src := reflect.ValueOf(body).Elem()
	topics := src.FieldByName("Topics")
	if !topics.IsValid() || topics.Kind() != reflect.Slice || topics.Type().Elem().Kind() != reflect.Struct {
		return nil, nil, false
	}
	in := reflect.MakeSlice(topics.Type(), 0, topics.Len())
	out := reflect.MakeSlice(topics.Type(), 0, topics.Len())
	for i := range topics.Len() {
		t := topics.Index(i)
		if !itemIsTopic(t, topic, id) {
			out = reflect.Append(out, t)
			continue
		}
		ps := t.FieldByName("Partitions")
		if len(partitions) == 0 || !ps.IsValid() || ps.Kind() != reflect.Slice {
			in = reflect.Append(in, t)
			continue
		}
		pin := reflect.MakeSlice(ps.Type(), 0, ps.Len())
		pout := reflect.MakeSlice(ps.Type(), 0, ps.Len())
		for j := range ps.Len() {
			if partitionIn(ps.Index(j), partitions) {
				pin = reflect.Append(pin, ps.Index(j))
			} else {
				pout = reflect.Append(pout, ps.Index(j))
			}
		}
		if pin.Len() > 0 {
			in = reflect.Append(in, withField(t, "Partitions", pin))
		}
		if pout.Len() > 0 {
			out = reflect.Append(out, withField(t, "Partitions", pout))
		}
	}
	if in.Len() == 0 || out.Len() == 0 {
		return nil, nil, false
	}
	return withField(src, "Topics", in).Addr().Interface().(kmsg.Request),
		withField(src, "Topics", out).Addr().Interface().(kmsg.Request), true
}

// partitionIn reports whether a partition item (a struct with a
// Partition field, or a bare int32) is one of partitions.
func partitionIn(p reflect.Value, partitions []int32) bool {
	if p.Kind() == reflect.Struct {
		p = p.FieldByName("Partition")
	}
	return p.IsValid() && p.Kind() == reflect.Int32 && slices.Contains(partitions, int32(p.Int()))
}

// withField is an addressable copy of the struct v with one field
// replaced.
func withField(v reflect.Value, name string, value reflect.Value) reflect.Value {
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	c.FieldByName(name).Set(value)
	return c
}

// mergeTopics adds the topic items of from to resp's: into the item of
// the same topic when resp has one (its partitions appended), else as
// items of their own.
func mergeTopics(resp, from kmsg.Response) {
	dst := reflect.ValueOf(resp).Elem().FieldByName("Topics")
	src := reflect.ValueOf(from).Elem().FieldByName("Topics")
	if !dst.IsValid() || !src.IsValid() || dst.Type() != src.Type() || dst.Type().Elem().Kind() != reflect.Struct {
		return
	}
	for i := range src.Len() {
		t := src.Index(i)
		merged := false
		for j := range dst.Len() {
			d := dst.Index(j)
			if !sameTopic(d, t) {
				continue
			}
			if dp, sp := d.FieldByName("Partitions"), t.FieldByName("Partitions"); dp.IsValid() && dp.Kind() == reflect.Slice && dp.Type() == sp.Type() {
				dp.Set(reflect.AppendSlice(dp, sp))
				merged = true
			}
			break
		}
		if !merged {
			dst.Set(reflect.Append(dst, t))
		}
	}
}

// sameTopic reports whether two topic items name the same topic, by name
// or by id.
func sameTopic(a, b reflect.Value) bool {
	for _, name := range []string{"Topic", "TopicID"} {
		fa, fb := a.FieldByName(name), b.FieldByName(name)
		if !fa.IsValid() || !fb.IsValid() {
			continue
		}
		if fa.Kind() == reflect.Pointer {
			if fa.IsNil() || fb.IsNil() {
				continue
			}
			fa, fb = fa.Elem(), fb.Elem()
		}
		if fa.IsZero() {
			continue
		}
		if fa.Interface() == fb.Interface() {
			return true
		}
	}
	return false
}
