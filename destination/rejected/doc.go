// Package rejected stores rejected records in an S3 bucket, as the platform's data-activation
// destinations do (the bulk CDK's object_storage_config), so that a user can see which records
// were refused and why, fix them at the source and let the next sync send them.
//
// StorageConfig is the configuration (None or S3), with its JSON Schema. New returns a Writer
// (nil for None). Add gathers records per stream into parts; a part becomes one object when it
// reaches Options.PartBytes or Options.PartAge, at Flush (a state waits for its records) and at
// Close. Uploads run in the background, bounded by Options.MaxBuffered bytes (Add blocks) and
// retried with backoff; a record's onStored runs only once its object is stored, and a bucket
// that cannot be written stops the writer with a *StoreError. Check writes and deletes a test
// object.
//
// Objects are named bucket_path/path_format/file_name_format with the toolkit's variables
// (see Variables) and hold CSV or JSONL, optionally GZIP-compressed, with the columns listed
// at MetadataColumns followed by the record's data.
package rejected
