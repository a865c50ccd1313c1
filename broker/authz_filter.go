package broker

import (
	"reflect"

	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Per-item authorization. Kafka checks many APIs topic by topic (or
// group by group): the items the principal may not touch are answered
// with an authorization error while the rest proceed. kmsg's requests
// and responses name their lists alike (Topics, Groups, Resources) and
// their items' identities alike (Topic, TopicID, Partition, Group,
// ResourceName), so one reflective walk serves every such API.

// itemDenial decides one item of a request's list: 0 lets it through,
// otherwise it is the error code to answer it with.
type itemDenial func(item reflect.Value) int16

// filterItems runs handle on a copy of r whose list field keeps only
// the items deny lets through, then adds the others to the response's
// list of the same name, each carrying its error. When nothing is left
// the handler is not run at all (a fetch of only denied topics must not
// wait for data, as in Kafka).
func filterItems(r *request, field string, deny itemDenial, handle func(*request) (kmsg.Response, error)) (kmsg.Response, error) {
	body := reflect.ValueOf(r.body).Elem()
	list := body.FieldByName(field)
	kept := reflect.MakeSlice(list.Type(), 0, list.Len())
	var denied []reflect.Value
	var codes []int16
	for i := range list.Len() {
		it := list.Index(i)
		if code := deny(it); code != 0 {
			denied, codes = append(denied, it), append(codes, code)
		} else {
			kept = reflect.Append(kept, it)
		}
	}
	if len(denied) == 0 {
		return handle(r)
	}
	cp := reflect.New(body.Type())
	cp.Elem().Set(body)
	cp.Elem().FieldByName(field).Set(kept)
	filtered := *r
	filtered.body = cp.Interface().(kmsg.Request)
	var resp kmsg.Response
	var err error
	if kept.Len() == 0 {
		resp = errorResponse(&filtered, 0)
	} else {
		resp, err = handle(&filtered)
	}
	if err != nil || resp == nil {
		return resp, err
	}
	out := reflect.ValueOf(resp).Elem().FieldByName(field)
	if !out.IsValid() {
		return resp, nil
	}
	for i, it := range denied {
		elem := reflect.New(out.Type().Elem())
		if d, ok := elem.Interface().(interface{ Default() }); ok {
			d.Default()
		}
		mirrorItem(elem.Elem(), it, codes[i])
		out.Set(reflect.Append(out, elem.Elem()))
	}
	return resp, nil
}

// authIdentity are the fields that say which item a response item
// answers.
var authIdentity = map[string]bool{"Topic": true, "TopicID": true, "Partition": true, "Name": true,
	"Group": true, "GroupID": true, "ResourceName": true, "ResourceType": true, "Key": true}

// mirrorItem fills the response item dst for the request item src
// (a struct, or a bare name as in DeleteGroups), setting code on it and
// on its partitions.
func mirrorItem(dst, src reflect.Value, code int16) {
	if src.Kind() == reflect.String {
		for _, name := range []string{"Group", "GroupID", "Topic", "Name"} {
			if setString(dst.FieldByName(name), src.String()) {
				break
			}
		}
	} else if src.Kind() == reflect.Struct {
		for i := range dst.NumField() {
			name := dst.Type().Field(i).Name
			d, s := dst.Field(i), src.FieldByName(name)
			if !s.IsValid() || !d.CanSet() {
				continue
			}
			switch {
			case authIdentity[name] && s.Type() == d.Type():
				d.Set(s)
			case authIdentity[name] && s.Kind() == reflect.String:
				setString(d, s.String())
			case d.Kind() == reflect.Slice && s.Kind() == reflect.Slice && d.Type().Elem().Kind() == reflect.Struct:
				out := reflect.MakeSlice(d.Type(), 0, s.Len())
				for j := range s.Len() {
					elem := reflect.New(d.Type().Elem())
					if def, ok := elem.Interface().(interface{ Default() }); ok {
						def.Default()
					}
					if p := s.Index(j); p.Kind() == reflect.Int32 {
						if f := elem.Elem().FieldByName("Partition"); f.IsValid() {
							f.Set(p)
						}
						setCode(elem.Elem(), code)
					} else {
						mirrorItem(elem.Elem(), p, code)
					}
					out = reflect.Append(out, elem.Elem())
				}
				d.Set(out)
			}
		}
	}
	setCode(dst, code)
}

func setCode(v reflect.Value, code int16) {
	if ec := v.FieldByName("ErrorCode"); ec.IsValid() && ec.Kind() == reflect.Int16 {
		ec.SetInt(int64(code))
	}
}

// setString sets a string or *string field, reporting whether it could.
func setString(f reflect.Value, s string) bool {
	switch {
	case !f.IsValid():
		return false
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String:
		f.Set(reflect.ValueOf(&s))
	default:
		return false
	}
	return true
}

// itemName is the resource an item names: a bare string, or its Topic,
// Name, Group or ResourceName field, or the topic its TopicID names in
// the image; "" when it names nothing known (the handler then answers
// UNKNOWN_TOPIC_ID, as Kafka does).
func (z *authz) itemName(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return v.String()
	}
	for _, name := range []string{"Topic", "Name", "Group", "ResourceName"} {
		f := v.FieldByName(name)
		switch {
		case !f.IsValid():
		case f.Kind() == reflect.String && f.String() != "":
			return f.String()
		case f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String && f.Elem().String() != "":
			return f.Elem().String()
		}
	}
	if f := v.FieldByName("TopicID"); f.IsValid() {
		if id, ok := f.Interface().([16]byte); ok && id != ([16]byte{}) {
			if t := z.im.topicIDs[TopicID(id)]; t != nil {
				return t.name
			}
		}
	}
	return ""
}

// deny returns the item check for op on resources of type rt, answering
// a denial with code.
func (z *authz) deny(op acl.Operation, rt acl.ResourceType, code int16) itemDenial {
	return func(v reflect.Value) int16 {
		name := z.itemName(v)
		if name == "" || z.allowed(op, rt, name) {
			return 0
		}
		return code
	}
}

func (z *authz) denyTopics(op acl.Operation) itemDenial {
	return z.deny(op, acl.ResourceTopic, kerr.TopicAuthorizationFailed.Code)
}

func (z *authz) denyGroups(op acl.Operation) itemDenial {
	return z.deny(op, acl.ResourceGroup, kerr.GroupAuthorizationFailed.Code)
}
