package rejected

import (
	"github.com/invopop/jsonschema"
)

// Regions are the values of s3_bucket_region, as the bulk CDK lists them ("" lets the client
// use its default).
var Regions = []string{"", "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1",
	"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
	"me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2"}

// s3Field is how the platform's form shows one field of the S3 choice, as the bulk CDK
// declares it.
type s3Field struct {
	title, description string
	examples           []any
	order              int // -1: none
	secret, hidden     bool
	def                any
}

const (
	accessKeyHelp = "https://docs.aws.amazon.com/general/latest/gr/aws-sec-cred-types.html#access-keys-and-secret-access-keys"
	endpointHelp  = "https://docs.aws.amazon.com/general/latest/gr/s3.html#:~:text=Service%20endpoints-,Amazon%20S3%20endpoints,-When%20you%20use"
)

var s3Fields = map[string]s3Field{
	"storage_type": {order: -1},
	"access_key_id": {title: "Access Key ID", order: 1, secret: true, examples: []any{"A012345678910EXAMPLE"},
		description: `The access key ID to access the S3 bucket. Airbyte requires Read and Write permissions to the given bucket. Read more <a href="` + accessKeyHelp + `">here</a>.`},
	"secret_access_key": {title: "Secret Access Key", order: 2, secret: true, examples: []any{"a012345678910ABCDEFGH/AbCdEfGhEXAMPLEKEY"},
		description: `The corresponding secret to the access key ID. Read more <a href="` + accessKeyHelp + `">here</a>`},
	"role_arn": {title: "Role ARN", order: 3, examples: []any{"arn:aws:iam::123456789:role/ExternalIdIsYourWorkspaceId"},
		description: "The ARN of the AWS role to assume. Only usable in Airbyte Cloud."},
	"s3_bucket_name": {title: "S3 Bucket Name", order: 4, examples: []any{"airbyte_sync"},
		description: `The name of the S3 bucket. Read more <a href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-overview.html">here</a>.`},
	"s3_bucket_region": {title: "S3 Bucket Region", order: 5, examples: []any{"us-east-1"}, def: "",
		description: `The region of the S3 bucket. See <a href="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html#concepts-available-regions">here</a> for all region codes.`},
	"s3_endpoint": {title: "S3 Endpoint", order: 6, examples: []any{"http://localhost:9000"},
		description: `Your S3 endpoint url. Read more <a href="` + endpointHelp + `">here</a>`},
	"bucket_path": {title: "Prefix Path in the Bucket", order: 7, examples: []any{"prefix/"},
		description: "All files in the bucket will be prefixed by this."},
	"format": {title: "Output Format", order: 8, hidden: true, examples: []any{"CSV", "JSONL"}, def: "CSV",
		description: "Format of the data output."},
	"compression": {title: "Compression", order: -1, hidden: true,
		description: `Whether the output files should be compressed. If compression is selected, the output filename will have an extra extension (GZIP: ".jsonl.gz").`},
	"path_format": {order: 10, hidden: true, def: DefaultPathFormat,
		examples: []any{"{namespace}/{stream_name}/{year}_{month}_{day}_{epoch}"}},
	"file_name_format": {order: 11, hidden: true, def: DefaultFileNameFormat,
		examples: []any{"{date}", "{date:yyyy_MM}", "{timestamp}", "{part_number}", "{sync_id}"}},
}

// JSONSchema returns object_storage_config's schema: a oneOf of None and S3, as the bulk
// CDK declares it.
func (StorageConfig) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Title: "Object Storage Spec",
		Type:  "object",
		OneOf: []*jsonschema.Schema{choice("None", "storage_type", StorageNone), reflect(&S3Config{})},
	}
}

// JSONSchemaExtend gives the S3 choice its titles, order, secrets and hidden fields, and
// format and compression their oneOfs.
func (S3Config) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Title = "S3"
	s.Required = []string{"storage_type", "s3_bucket_name", "s3_bucket_region", "bucket_path", "format"}
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		f, ok := s3Fields[pair.Key]
		if !ok {
			panic("S3 field " + pair.Key + " has no place in the form")
		}
		p := pair.Value
		switch pair.Key {
		case "storage_type":
			p.Enum, p.Default = []any{StorageS3}, StorageS3
		case "s3_bucket_region":
			p.Enum = stringsToAny(Regions)
		case "format":
			*p = jsonschema.Schema{Type: "object", OneOf: []*jsonschema.Schema{formatChoice("CSV: Comma-Separated Values", FormatCSV, true), formatChoice("JSON Lines: Newline-delimited JSON", FormatJSONL, false)}}
		case "compression":
			*p = jsonschema.Schema{Type: "object", OneOf: []*jsonschema.Schema{choice("No Compression", "compression_type", CompressionNone), choice("GZIP", "compression_type", CompressionGZIP)}}
		}
		p.Title, p.Description, p.Examples, p.Default = f.title, f.description, f.examples, orDefault(f.def, p.Default)
		p.Extras = map[string]any{}
		if f.order >= 0 {
			p.Extras["order"] = f.order
		}
		if f.secret {
			p.Extras["airbyte_secret"], p.Extras["always_show"] = true, true
		}
		if f.hidden {
			p.Extras["airbyte_hidden"] = true
		}
	}
}

func orDefault(def, other any) any {
	if def != nil {
		return def
	}
	return other
}

// choice is one object of a oneOf, told apart by a constant field.
func choice(title, field, value string) *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set(field, &jsonschema.Schema{Type: "string", Enum: []any{value}, Default: value})
	return &jsonschema.Schema{Title: title, Type: "object", Properties: props, Required: []string{field}}
}

// formatChoice is one choice of format: its format_type and its flattening.
func formatChoice(title, formatType string, flatteningRequired bool) *jsonschema.Schema {
	s := choice(title, "format_type", formatType)
	s.Properties.Set("flattening", &jsonschema.Schema{Type: "string", Title: "Flattening", Default: NoFlattening,
		Enum: []any{NoFlattening, RootLevelFlattening}})
	if flatteningRequired {
		s.Required = append(s.Required, "flattening")
	}
	return s
}

func reflect(v any) *jsonschema.Schema {
	r := jsonschema.Reflector{AllowAdditionalProperties: true, DoNotReference: true, ExpandedStruct: true, RequiredFromJSONSchemaTags: true}
	s := r.Reflect(v)
	s.Version, s.ID = "", ""
	return s
}

func stringsToAny(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
