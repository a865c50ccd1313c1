package broker

import (
	"reflect"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Building an injected error's response, reading a request's topics and
// partitions, and collecting the error codes a response answered. kmsg's
// messages share their field names (Topics, Topic, TopicID, Partitions,
// Partition, ErrorCode) across APIs, so one walk over the structs serves
// every API instead of a case per message.

// errorResponse answers r with code without handling it. The response
// mirrors the request's topics and partitions, each carrying code; a
// response with none of them carries code at the top level.
func errorResponse(r *request, code int16) kmsg.Response {
	if p, ok := r.body.(*kmsg.ProduceRequest); ok && p.Acks == 0 {
		return nil // acks=0: no response is due, an error included
	}
	resp := r.body.ResponseKind()
	if d, ok := resp.(interface{ Default() }); ok {
		d.Default()
	}
	resp.SetVersion(r.version)
	if fc, ok := r.body.(*kmsg.FindCoordinatorRequest); ok && r.version >= 4 {
		// Batched lookups (KIP-699) answer per key, and clients match
		// the answers to their keys: the error goes on each key.
		fr := resp.(*kmsg.FindCoordinatorResponse)
		for _, key := range fc.CoordinatorKeys {
			c := kmsg.NewFindCoordinatorResponseCoordinator()
			c.Key, c.NodeID, c.ErrorCode = key, -1, code
			fr.Coordinators = append(fr.Coordinators, c)
		}
		return fr
	}
	dst := reflect.ValueOf(resp).Elem()
	if mirrorItems(dst, reflect.ValueOf(r.body).Elem(), code) == 0 {
		if ec := dst.FieldByName("ErrorCode"); ec.IsValid() && ec.Kind() == reflect.Int16 {
			ec.SetInt(int64(code))
		}
	}
	return resp
}

// identityFields are the fields copied from a request's items to the
// response's: the names that say which topic or partition an item is.
var identityFields = map[string]bool{"Topic": true, "TopicID": true, "Partition": true, "Name": true}

// mirrorItems fills dst's slices of items from the same-named slices of
// src, copying the items' identity fields and setting their ErrorCode to
// code. It returns how many items it made.
func mirrorItems(dst, src reflect.Value, code int16) int {
	made := 0
	for i := range dst.NumField() {
		name := dst.Type().Field(i).Name
		d, s := dst.Field(i), src.FieldByName(name)
		if !s.IsValid() || !d.CanSet() {
			continue
		}
		if identityFields[name] && s.Type() == d.Type() {
			d.Set(s)
			continue
		}
		if d.Kind() != reflect.Slice || s.Kind() != reflect.Slice ||
			d.Type().Elem().Kind() != reflect.Struct || s.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		out := reflect.MakeSlice(d.Type(), s.Len(), s.Len())
		for j := range s.Len() {
			item := out.Index(j)
			if def, ok := item.Addr().Interface().(interface{ Default() }); ok {
				def.Default()
			}
			mirrorItems(item, s.Index(j), code)
			if ec := item.FieldByName("ErrorCode"); ec.IsValid() && ec.Kind() == reflect.Int16 {
				ec.SetInt(int64(code))
			}
			made++
		}
		d.Set(out)
	}
	return made
}

// namesPartition reports whether a request names the topic (by name or
// by id) in its Topics, and, when partitions is not empty, one of them.
func namesPartition(req kmsg.Request, topic string, id TopicID, partitions []int32) bool {
	topics := reflect.ValueOf(req).Elem().FieldByName("Topics")
	if !topics.IsValid() || topics.Kind() != reflect.Slice || topics.Type().Elem().Kind() != reflect.Struct {
		return false
	}
	for i := range topics.Len() {
		t := topics.Index(i)
		if !itemIsTopic(t, topic, id) {
			continue
		}
		if len(partitions) == 0 {
			return true
		}
		ps := t.FieldByName("Partitions")
		if !ps.IsValid() || ps.Kind() != reflect.Slice {
			continue
		}
		for j := range ps.Len() {
			p := ps.Index(j)
			if p.Kind() == reflect.Struct {
				p = p.FieldByName("Partition")
			}
			if p.IsValid() && p.Kind() == reflect.Int32 && slices.Contains(partitions, int32(p.Int())) {
				return true
			}
		}
	}
	return false
}

func itemIsTopic(t reflect.Value, topic string, id TopicID) bool {
	if n := t.FieldByName("Topic"); n.IsValid() {
		if n.Kind() == reflect.Pointer && !n.IsNil() {
			n = n.Elem()
		}
		if n.Kind() == reflect.String && n.String() == topic {
			return true
		}
	}
	if tid := t.FieldByName("TopicID"); tid.IsValid() && id != (TopicID{}) && tid.Type() == reflect.TypeOf([16]byte{}) {
		return TopicID(tid.Interface().([16]byte)) == id
	}
	return false
}

// errorCodes lists the distinct non-zero error codes in a response, in
// the order they first appear.
func errorCodes(resp kmsg.Response) []int16 {
	if resp == nil {
		return nil
	}
	var codes []int16
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Struct {
				for i := range v.Len() {
					walk(v.Index(i))
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Field(i)
				if v.Type().Field(i).Name == "ErrorCode" && f.Kind() == reflect.Int16 {
					if code := int16(f.Int()); code != 0 && !slices.Contains(codes, code) {
						codes = append(codes, code)
					}
					continue
				}
				walk(f)
			}
		}
	}
	walk(reflect.ValueOf(resp))
	return codes
}
