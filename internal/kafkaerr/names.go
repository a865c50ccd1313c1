package kafkaerr

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// renamed are the codes whose name in Kafka 4 is not the one kerr keeps:
// KIP-392 renamed NOT_LEADER_FOR_PARTITION when followers began to serve
// fetches. Every other code has the same name in both (checked against
// Kafka 4.4's Errors enum).
var renamed = map[int16]string{6: "NOT_LEADER_OR_FOLLOWER"}

// Name is Kafka 4's name for an error code, as its Errors enum spells it:
// NONE for 0, NOT_LEADER_OR_FOLLOWER for 6, and the number itself for a
// code Kafka does not define. Everything gregor prints about an error
// code (the event log, the request history, the control plane, error
// strings) uses it.
func Name(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if name, ok := renamed[code]; ok {
		return name
	}
	if e := kerr.TypedErrorForCode(code); e != nil && e.Code == code {
		return e.Message
	}
	return strconv.Itoa(int(code))
}

// NameOf is Name for one of kerr's errors; "NONE" for nil.
func NameOf(e *kerr.Error) string {
	if e == nil {
		return "NONE"
	}
	return Name(e.Code)
}

// byName maps Kafka 4's names, and kerr's older ones, to the errors.
var byName = func() map[string]*kerr.Error {
	m := make(map[string]*kerr.Error)
	for code := int16(-1); code < 1000; code++ {
		if e := kerr.TypedErrorForCode(code); e != nil && e.Code == code {
			m[e.Message] = e
			m[Name(code)] = e
		}
	}
	return m
}()

// Lookup finds an error by its name, Kafka 4's or kerr's, in any case.
func Lookup(name string) (*kerr.Error, bool) {
	e, ok := byName[strings.ToUpper(name)]
	return e, ok
}
