package protocol

import (
	"encoding/json"
	"math"
	"strconv"
)

// Type is the type of an [Message], the value of its "type" key.
type Type string

// The message types of the protocol.
const (
	TypeRecord             Type = "RECORD"
	TypeState              Type = "STATE"
	TypeLog                Type = "LOG"
	TypeSpec               Type = "SPEC"
	TypeConnectionStatus   Type = "CONNECTION_STATUS"
	TypeCatalog            Type = "CATALOG"
	TypeTrace              Type = "TRACE"
	TypeControl            Type = "CONTROL"
	TypeDestinationCatalog Type = "DESTINATION_CATALOG"
)

// Message is one AirbyteMessage: a type and the one payload that matches it.
type Message struct {
	Type               Type                `json:"type"`
	Record             *Record             `json:"record,omitempty"`
	State              *State              `json:"state,omitempty"`
	Log                *Log                `json:"log,omitempty"`
	Spec               *Spec               `json:"spec,omitempty"`
	ConnectionStatus   *ConnectionStatus   `json:"connectionStatus,omitempty"`
	Catalog            json.RawMessage     `json:"catalog,omitempty"`
	Trace              *Trace              `json:"trace,omitempty"`
	Control            *Control            `json:"control,omitempty"`
	DestinationCatalog *DestinationCatalog `json:"destination_catalog,omitempty"`
}

// Record is an AirbyteRecordMessage. Data is kept as raw JSON so that large integers and the
// exact input survive until the destination decides how to read them.
type Record struct {
	Stream        string          `json:"stream"`
	Namespace     string          `json:"namespace,omitempty"`
	Data          json.RawMessage `json:"data"`
	EmittedAt     Millis          `json:"emitted_at"`
	Meta          json.RawMessage `json:"meta,omitempty"`
	FileReference json.RawMessage `json:"file_reference,omitempty"`
}

// Millis is a time in milliseconds since the epoch. It reads an integral number in any JSON
// notation (1767225600000, 1767225600000.0, 1.7672256e12), as sources write it differently.
// The destination does not use the record's emitted_at, so a value it cannot read (a
// fraction, 1e400, a string) is left zero instead of failing the input.
type Millis int64

// UnmarshalJSON reads an integral number; anything else leaves m as it was.
func (m *Millis) UnmarshalJSON(b []byte) error {
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*m = Millis(n)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<62 {
		*m = Millis(f)
	}
	return nil
}

// StreamDescriptor names a stream: a name and an optional namespace.
type StreamDescriptor struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// String returns "namespace.name", or just the name when there is no namespace.
func (d StreamDescriptor) String() string {
	if d.Namespace == "" {
		return d.Name
	}
	return d.Namespace + "." + d.Name
}

// Level is the level of a [Log] message.
type Level string

// The log levels of the protocol.
const (
	LevelFatal Level = "FATAL"
	LevelError Level = "ERROR"
	LevelWarn  Level = "WARN"
	LevelInfo  Level = "INFO"
	LevelDebug Level = "DEBUG"
	LevelTrace Level = "TRACE"
)

// Log is an AirbyteLogMessage.
type Log struct {
	Level      Level  `json:"level"`
	Message    string `json:"message"`
	StackTrace string `json:"stack_trace,omitempty"`
}

// Status is the outcome of a check.
type Status string

// The two check outcomes.
const (
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
)

// ConnectionStatus is an AirbyteConnectionStatus, the answer to `check`.
type ConnectionStatus struct {
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
}

// Spec is a ConnectorSpecification, the answer to `spec`.
type Spec struct {
	DocumentationURL              string          `json:"documentationUrl,omitempty"`
	ChangelogURL                  string          `json:"changelogUrl,omitempty"`
	ConnectionSpecification       json.RawMessage `json:"connectionSpecification"`
	SupportsIncremental           bool            `json:"supportsIncremental"`
	SupportsNormalization         bool            `json:"supportsNormalization"`
	SupportsDBT                   bool            `json:"supportsDBT"`
	SupportedDestinationSyncModes []SyncMode      `json:"supported_destination_sync_modes"`
}

// ControlType is the type of a [Control] message.
type ControlType string

// ControlConnectorConfig asks the platform to store an updated connector configuration.
const ControlConnectorConfig ControlType = "CONNECTOR_CONFIG"

// Control is an AirbyteControlMessage.
type Control struct {
	Type            ControlType      `json:"type"`
	EmittedAt       float64          `json:"emitted_at"`
	ConnectorConfig *ConnectorConfig `json:"connectorConfig,omitempty"`
}

// ConnectorConfig carries a whole connector configuration in a [Control] message.
type ConnectorConfig struct {
	Config json.RawMessage `json:"config"`
}

// DestinationCatalog is the answer of a data-activation destination to `discover`.
type DestinationCatalog struct {
	Operations []Operation `json:"operations"`
}

// Operation is a DestinationOperation: one object a destination writes to, in one sync mode.
type Operation struct {
	ObjectName   string          `json:"object_name"`
	SyncMode     SyncMode        `json:"sync_mode"`
	JSONSchema   json.RawMessage `json:"json_schema"`
	MatchingKeys [][]string      `json:"matching_keys"`
}
