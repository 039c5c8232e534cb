// Command count reads every object of a bucket of rejected records (CSV or JSONL, GZIP or
// not, as destination/rejected writes them) and prints one line of counts to stdout:
//
//	objects=3 records=50000 distinct=50000 rules=amount_integer:25000,api_refused:25000
//
// where distinct counts the distinct (stream, record number) pairs, so that a record stored
// twice shows. The endpoint, bucket and key come from the environment, as cmd/serve prints
// them: S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY; -prefix limits
// the objects read.
package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "count:", err)
		os.Exit(1)
	}
}

// tally is what the objects held.
type tally struct {
	objects, records int
	seen             map[string]struct{} // stream NUL record number
	rules            map[string]int
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("count", flag.ContinueOnError)
	prefix := fs.String("prefix", "", "read only the objects whose key starts with `prefix`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env := map[string]string{}
	for _, k := range []string{"S3_ENDPOINT", "S3_REGION", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY"} {
		if env[k] = os.Getenv(k); env[k] == "" {
			return fmt.Errorf("%s is not set", k)
		}
	}
	client := s3.New(s3.Options{
		Region: env["S3_REGION"], BaseEndpoint: aws.String(env["S3_ENDPOINT"]), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"], ""),
	})
	t := tally{seen: map[string]struct{}{}, rules: map[string]int{}}
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(env["S3_BUCKET"]), Prefix: aws.String(*prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			if err := t.object(ctx, client, env["S3_BUCKET"], aws.ToString(o.Key)); err != nil {
				return fmt.Errorf("%s: %w", aws.ToString(o.Key), err)
			}
		}
	}
	var rules []string
	for _, r := range slices.Sorted(maps.Keys(t.rules)) {
		rules = append(rules, fmt.Sprintf("%s:%d", r, t.rules[r]))
	}
	_, err := fmt.Fprintf(stdout, "objects=%d records=%d distinct=%d rules=%s\n", t.objects, t.records, len(t.seen), strings.Join(rules, ","))
	return err
}

// object reads one object and counts its records.
func (t *tally) object(ctx context.Context, client *s3.Client, bucket, key string) error {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	var body io.Reader = out.Body
	if strings.HasSuffix(key, ".gz") {
		gz, err := gzip.NewReader(out.Body)
		if err != nil {
			return err
		}
		body = gz
	}
	t.objects++
	if strings.Contains(key, ".jsonl") {
		return t.jsonl(body)
	}
	return t.csv(body)
}

func (t *tally) csv(body io.Reader) error {
	r := csv.NewReader(bufio.NewReaderSize(body, 1<<20))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		t.add(row[col[rejected.ColStream]], row[col[rejected.ColRecordNumber]], row[col[rejected.ColRule]])
	}
}

func (t *tally) jsonl(body io.Reader) error {
	dec := json.NewDecoder(body)
	dec.UseNumber() // record numbers as written, not as floats
	for {
		var line map[string]any
		if err := dec.Decode(&line); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		t.add(fmt.Sprint(line[rejected.ColStream]), fmt.Sprint(line[rejected.ColRecordNumber]), fmt.Sprint(line[rejected.ColRule]))
	}
}

func (t *tally) add(stream, number, rule string) {
	t.records++
	t.seen[stream+"\x00"+number] = struct{}{}
	t.rules[rule]++
}
