package protocol

import "encoding/json"

// SyncMode is a destination sync mode (append, overwrite, append_dedup, update, soft_delete).
type SyncMode string

// The destination sync modes of the protocol.
const (
	SyncAppend      SyncMode = "append"
	SyncOverwrite   SyncMode = "overwrite"
	SyncAppendDedup SyncMode = "append_dedup"
	SyncUpdate      SyncMode = "update"
	SyncSoftDelete  SyncMode = "soft_delete"
)

// ConfiguredCatalog is a ConfiguredAirbyteCatalog, the file passed to `write --catalog`.
type ConfiguredCatalog struct {
	Streams []ConfiguredStream `json:"streams"`
}

// ConfiguredStream is a ConfiguredAirbyteStream. DestinationObjectName is set by the platform
// in data-activation connections to the object the user picked in `discover`'s catalog.
type ConfiguredStream struct {
	Stream                Stream     `json:"stream"`
	SyncMode              string     `json:"sync_mode"`
	DestinationSyncMode   SyncMode   `json:"destination_sync_mode"`
	CursorField           []string   `json:"cursor_field,omitempty"`
	PrimaryKey            [][]string `json:"primary_key,omitempty"`
	DestinationObjectName string     `json:"destination_object_name,omitempty"`
	GenerationID          *int64     `json:"generation_id,omitempty"`
	MinimumGenerationID   *int64     `json:"minimum_generation_id,omitempty"`
	SyncID                *int64     `json:"sync_id,omitempty"`
	IncludeFiles          bool       `json:"include_files,omitempty"`
}

// Stream is an AirbyteStream as a source describes it.
type Stream struct {
	Name                    string          `json:"name"`
	Namespace               string          `json:"namespace,omitempty"`
	JSONSchema              json.RawMessage `json:"json_schema,omitempty"`
	SupportedSyncModes      []string        `json:"supported_sync_modes,omitempty"`
	SourceDefinedCursor     bool            `json:"source_defined_cursor,omitempty"`
	DefaultCursorField      []string        `json:"default_cursor_field,omitempty"`
	SourceDefinedPrimaryKey [][]string      `json:"source_defined_primary_key,omitempty"`
	IsResumable             *bool           `json:"is_resumable,omitempty"`
	IsFileBased             *bool           `json:"is_file_based,omitempty"`
}

// Descriptor returns the stream's name and namespace.
func (s Stream) Descriptor() StreamDescriptor {
	return StreamDescriptor{Name: s.Name, Namespace: s.Namespace}
}
