// Package kafkaerr carries Kafka error codes through Go errors.
//
// Kafka reports most failures as data: an error code (and, in newer
// versions, an error message) inside an otherwise normal response. Inside
// gregor such failures are Go errors that wrap one of franz-go's kerr
// values, so that a handler can turn any error into the right code, and a
// message that says what was wrong travels with it.
package kafkaerr

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Error is a Kafka error code with a specific message.
type Error struct {
	Kind *kerr.Error
	Msg  string
}

func (e *Error) Error() string { return NameOf(e.Kind) + ": " + e.Msg }

// Unwrap lets errors.Is(err, kerr.X) match.
func (e *Error) Unwrap() error { return e.Kind }

// New returns an error with Kafka error kind and a formatted message.
func New(kind *kerr.Error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Code is the Kafka error code for err: 0 for nil, the wrapped kerr code,
// or UNKNOWN_SERVER_ERROR (-1) for anything else.
func Code(err error) int16 {
	if err == nil {
		return 0
	}
	var k *kerr.Error
	if errors.As(err, &k) {
		return k.Code
	}
	return kerr.UnknownServerError.Code
}

// Message is the text to put in a response's error_message field, or nil
// when err is nil. It is cut to MaxMessageBytes: messages may quote what a
// client sent, and a string field of a non-flexible response carries its
// length in 16 bits.
func Message(err error) *string {
	if err == nil {
		return nil
	}
	var s string
	var e *Error
	if errors.As(err, &e) {
		s = e.Msg
	} else {
		s = err.Error()
	}
	if len(s) > MaxMessageBytes {
		// Keep both ends: the long part is usually a quoted value in
		// the middle, and the end says what was wrong with it.
		half := (MaxMessageBytes - len(ellipsis)) / 2
		head, tail := half, len(s)-half
		for head > 0 && !utf8.RuneStart(s[head]) {
			head--
		}
		for tail < len(s) && !utf8.RuneStart(s[tail]) {
			tail++
		}
		s = s[:head] + ellipsis + s[tail:]
	}
	return &s
}

// MaxMessageBytes bounds the error messages put in responses.
const MaxMessageBytes = 4096

const ellipsis = "…"
