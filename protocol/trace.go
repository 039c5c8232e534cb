package protocol

// TraceType is the type of a [Trace] message.
type TraceType string

// The trace types a destination may emit.
const (
	TraceError        TraceType = "ERROR"
	TraceEstimate     TraceType = "ESTIMATE"
	TraceStreamStatus TraceType = "STREAM_STATUS"
	TraceAnalytics    TraceType = "ANALYTICS"
)

// FailureType classifies an error trace; it decides whether the platform retries.
type FailureType string

// The failure types. A config error is not retried; the other two are.
const (
	ConfigError    FailureType = "config_error"
	TransientError FailureType = "transient_error"
	SystemError    FailureType = "system_error"
)

// Trace is an AirbyteTraceMessage. EmittedAt is in milliseconds since the epoch.
type Trace struct {
	Type         TraceType     `json:"type"`
	EmittedAt    float64       `json:"emitted_at"`
	Error        *ErrorTrace   `json:"error,omitempty"`
	Estimate     *Estimate     `json:"estimate,omitempty"`
	StreamStatus *StreamStatus `json:"stream_status,omitempty"`
}

// ErrorTrace is an AirbyteErrorTraceMessage: Message is for the user, InternalMessage for
// debugging.
type ErrorTrace struct {
	Message          string            `json:"message"`
	InternalMessage  string            `json:"internal_message,omitempty"`
	StackTrace       string            `json:"stack_trace,omitempty"`
	FailureType      FailureType       `json:"failure_type,omitempty"`
	StreamDescriptor *StreamDescriptor `json:"stream_descriptor,omitempty"`
}

// Estimate is an AirbyteEstimateTraceMessage.
type Estimate struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	Namespace    string `json:"namespace,omitempty"`
	RowEstimate  int64  `json:"row_estimate,omitempty"`
	ByteEstimate int64  `json:"byte_estimate,omitempty"`
}

// StreamStatusValue is the status carried by a [StreamStatus] trace.
type StreamStatusValue string

// The stream statuses.
const (
	StreamStarted    StreamStatusValue = "STARTED"
	StreamRunning    StreamStatusValue = "RUNNING"
	StreamComplete   StreamStatusValue = "COMPLETE"
	StreamIncomplete StreamStatusValue = "INCOMPLETE"
)

// StreamStatus is an AirbyteStreamStatusTraceMessage.
type StreamStatus struct {
	StreamDescriptor StreamDescriptor   `json:"stream_descriptor"`
	Status           StreamStatusValue  `json:"status"`
	Reasons          []StreamStatusNote `json:"reasons,omitempty"`
}

// StreamStatusNote is one reason attached to a [StreamStatus], such as a rate limit.
type StreamStatusNote struct {
	Type        string       `json:"type"`
	RateLimited *RateLimited `json:"rate_limited,omitempty"`
}

// RateLimited tells when a rate limit is expected to reset, in milliseconds since the epoch.
type RateLimited struct {
	QuotaReset int64 `json:"quota_reset,omitempty"`
}
