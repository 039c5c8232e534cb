package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fixtures"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

// bucketPath is the demo's bucket_path: the prefix of every object of rejected records.
const bucketPath = "rejected"

// poisoned is the event the fake API refuses in the write with a bucket, so that the bucket
// holds a refusal of the API next to the connector's own.
const poisoned = "web-oc-5005"

// bucket writes the messages again with object_storage_config pointed at an S3 server on
// loopback, and shows where the rejected records went and one of them, read back.
func (d *demo) bucket(ctx context.Context, url string, api *fakeapi.API) error {
	fmt.Fprintln(d.out, "\n5. write again, with a bucket for the rejected records (object_storage_config, S3)")
	api.Poison(poisoned)
	fmt.Fprintf(d.out, "   The fake API now refuses event %s (poisoned_event), to show a refusal of the API too.\n", poisoned)
	if !s3server.Built() {
		fmt.Fprintln(d.out, "   Building SeaweedFS's weed from the Go module proxy first (once per machine; it takes minutes)...")
	}
	srv, err := s3server.Launch(ctx)
	if err != nil {
		return err
	}
	defer srv.Close()
	name, err := srv.NewBucket(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   SeaweedFS S3 server on %s, bucket %s, bucket_path %q, CSV\n", srv.Endpoint, name, bucketPath)
	config := filepath.Join(d.dir, "bucket-config.json")
	if err := d.writeBucketConfig(config, url, srv, name); err != nil {
		return err
	}
	if err := d.runCheck(ctx, config, "check (it also writes a test object to the bucket and deletes it): "); err != nil {
		return err
	}
	if err := d.writeToBucket(ctx, config); err != nil {
		return err
	}
	return d.readBack(ctx, srv.Client(), name)
}

func (d *demo) writeBucketConfig(path, url string, srv *s3server.Server, bucket string) error {
	cfg, err := fixtures.Config(url, map[string]any{"object_storage_config": map[string]any{
		"storage_type": "S3", "access_key_id": srv.AccessKey, "secret_access_key": srv.SecretKey,
		"s3_bucket_name": bucket, "s3_bucket_region": s3server.Region, "s3_endpoint": srv.Endpoint,
		"bucket_path": bucketPath,
		"format":      map[string]any{"format_type": "CSV", "flattening": "No flattening"},
		"compression": map[string]any{"compression_type": "No Compression"},
	}})
	if err != nil {
		return err
	}
	return os.WriteFile(path, cfg, 0o600)
}

// writeToBucket runs write and prints the states and what the connector says it stored.
func (d *demo) writeToBucket(ctx context.Context, config string) error {
	input, err := fixtures.Messages(time.Now())
	if err != nil {
		return err
	}
	msgs, err := d.exec(ctx, input, "write", "--config", config, "--catalog", fixtures.Path(fixtures.CatalogFile))
	if err != nil {
		return err
	}
	var stored, summary []string
	echoed := 0
	for _, m := range msgs {
		switch {
		case m.Type == "TRACE" && bytes.Contains(m.Trace, []byte(`"ERROR"`)):
			return fmt.Errorf("write with the bucket reported an error: %s", m.Trace)
		case m.Type == "STATE":
			echoed++
		case m.Type == "LOG" && strings.HasPrefix(m.Log.Message, "Summary: "):
			summary = append(summary, m.Log.Message)
		case m.Type == "LOG" && strings.Contains(m.Log.Message, "stored ") && strings.Contains(m.Log.Message, " rejected record"):
			stored = append(stored, m.Log.Message)
		}
	}
	fmt.Fprintf(d.out, "   %d states echoed, each once the rejected records before it were stored.\n", echoed)
	d.list("Uploads (INFO logs):", stored)
	d.list("The connector's summary:", summary)
	return nil
}

// readBack lists the objects of the bucket, prints the first record in full and one line for
// each of the others.
func (d *demo) readBack(ctx context.Context, client *s3.Client, bucket string) error {
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(bucketPath + "/")})
	if err != nil {
		return err
	}
	if len(list.Contents) == 0 {
		return fmt.Errorf("bucket %s holds no object under %s/", bucket, bucketPath)
	}
	fmt.Fprintf(d.out, "   Read back from s3://%s:\n", bucket)
	for _, o := range list.Contents {
		key := aws.ToString(o.Key)
		rows, err := readCSV(ctx, client, bucket, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.out, "     %s (%d bytes, records: %d)\n", key, aws.ToInt64(o.Size), len(rows)-1)
		d.printRows(rows)
	}
	return nil
}

// printRows prints the first record of an object column by column, and the others briefly.
func (d *demo) printRows(rows [][]string) {
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for n, row := range rows[1:] {
		if n == 0 {
			for i, name := range rows[0] {
				fmt.Fprintf(d.out, "       %-27s %s\n", name, row[i])
			}
			continue
		}
		code := ""
		if c := row[col["_rejection_api_code"]]; c != "" {
			code = " (API code " + c + ")"
		}
		fmt.Fprintf(d.out, "       record %s: %s, %s: %s%s\n", row[col["_airbyte_record_number"]],
			row[col["_rejection_rule"]], row[col["_rejection_field"]], row[col["_rejection_message"]], code)
	}
}

// readCSV reads one object of rejected records: its header and rows.
func readCSV(ctx context.Context, client *s3.Client, bucket, key string) ([][]string, error) {
	obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	rows, err := csv.NewReader(io.LimitReader(obj.Body, 1<<20)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s holds no record", key)
	}
	return rows, nil
}
