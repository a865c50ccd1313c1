package quota

import (
	"math"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The quota keys (Kafka's QuotaConfig names).
const (
	ProducerByteRate       = "producer_byte_rate"
	ConsumerByteRate       = "consumer_byte_rate"
	RequestPercentage      = "request_percentage"
	ControllerMutationRate = "controller_mutation_rate"
	ConnectionCreationRate = "connection_creation_rate"
)

// keyType is the type Kafka's ConfigDef gives a quota key: an integral
// key refuses fractions.
type keyType int

const (
	typeDouble keyType = iota
	typeLong
	typeInt
)

var userClientKeys = map[string]keyType{
	ProducerByteRate:       typeLong,
	ConsumerByteRate:       typeLong,
	RequestPercentage:      typeDouble,
	ControllerMutationRate: typeDouble,
}

var ipKeys = map[string]keyType{ConnectionCreationRate: typeInt}

// checkValue validates a value to set, as Kafka's
// ClientQuotaControlManager.validateQuotaKeyValue: a known key, a value
// above 0, and a whole number for an integral key.
func checkValue(keys map[string]keyType, key string, v float64) error {
	typ, ok := keys[key]
	if !ok {
		return kafkaerr.New(kerr.InvalidRequest, "Invalid configuration key %s", key)
	}
	if !(v > 0) { // NaN too
		return kafkaerr.New(kerr.InvalidRequest, "Quota %s must be greater than 0", key)
	}
	switch typ {
	case typeInt:
		if v > math.MaxInt32 {
			return kafkaerr.New(kerr.InvalidRequest, "Proposed value for %s is too large for an INT.", key)
		}
	case typeLong:
		if v > math.MaxInt64 {
			return kafkaerr.New(kerr.InvalidRequest, "Proposed value for %s is too large for a LONG.", key)
		}
	default:
		return nil
	}
	if math.Abs(math.Mod(v, 1)) > 1e-6 {
		return kafkaerr.New(kerr.InvalidRequest, "%s cannot be a fractional value.", key)
	}
	return nil
}
