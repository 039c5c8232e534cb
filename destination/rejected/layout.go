package rejected

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Variables lists the variables path_format and file_name_format may use, as the bulk CDK's
// object storage toolkit expands them. Each is written {name}; the toolkit's older form
// ${NAME} (upper case) is accepted too, and {date:PATTERN} formats the date with a Java-style
// pattern of yyyy, MM, dd, HH, mm and ss.
var Variables = []string{"sync_id", "namespace", "stream_name", "date", "timestamp", "part_number",
	"format_extension", "year", "month", "day", "hour", "minute", "second", "millisecond", "epoch", "uuid"}

// layout names the objects of one run.
type layout struct {
	prefix, pathFormat, fileFormat string
	extension                      string // without its dot: csv.gz
	syncID                         string
}

// partName is what one part's object key is made of.
type partName struct {
	namespace, stream string
	number            int
	time              time.Time
}

// key returns the object key of a part: bucket_path, then the expanded path_format and
// file_name_format, with empty segments (an empty namespace) and leading slashes removed.
func (l layout) key(p partName) string {
	joined := l.prefix + "/" + expand(l.pathFormat, l, p) + "/" + expand(l.fileFormat, l, p)
	segments := strings.Split(joined, "/")
	kept := segments[:0]
	for _, s := range segments {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, "/")
}

// expand replaces the variables of pattern; text that is not a known variable stays as it is.
func expand(pattern string, l layout, p partName) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		name, width, ok := variableAt(pattern, i)
		if !ok {
			b.WriteByte(pattern[i])
			i++
			continue
		}
		b.WriteString(l.value(name, p))
		i += width
	}
	return b.String()
}

// variableAt reads a {name}, {date:PATTERN} or ${NAME} at i: its lower-case name (with the
// date pattern) and its length.
func variableAt(s string, i int) (name string, width int, ok bool) {
	start := i
	if strings.HasPrefix(s[i:], "${") {
		i++
	}
	if s[i] != '{' {
		return "", 0, false
	}
	end := strings.IndexByte(s[i:], '}')
	if end < 0 {
		return "", 0, false
	}
	name = s[i+1 : i+end]
	if start != i {
		name = strings.ToLower(name)
	}
	base, _, _ := strings.Cut(name, ":")
	if !isVariable(base) || (base != "date" && base != name) {
		return "", 0, false
	}
	return name, i + end + 1 - start, true
}

func isVariable(name string) bool {
	for _, v := range Variables {
		if v == name {
			return true
		}
	}
	return false
}

// value returns one variable's value. Times are UTC, as the toolkit writes them.
func (l layout) value(name string, p partName) string {
	t := p.time.UTC()
	two := func(n int) string { return fmt.Sprintf("%02d", n) }
	switch name {
	case "sync_id":
		return l.syncID
	case "namespace":
		return p.namespace
	case "stream_name":
		return p.stream
	case "date":
		return t.Format("2006_01_02")
	case "timestamp", "epoch":
		return strconv.FormatInt(t.UnixMilli(), 10)
	case "part_number":
		return strconv.Itoa(p.number)
	case "format_extension":
		return "." + l.extension
	case "year":
		return strconv.Itoa(t.Year())
	case "month":
		return two(int(t.Month()))
	case "day":
		return two(t.Day())
	case "hour":
		return two(t.Hour())
	case "minute":
		return two(t.Minute())
	case "second":
		return two(t.Second())
	case "millisecond":
		return fmt.Sprintf("%04d", t.Nanosecond()/1e6) // four digits, as the toolkit writes it
	case "uuid":
		return newUUID()
	}
	_, pattern, _ := strings.Cut(name, ":")
	return t.Format(javaDateReplacer.Replace(pattern))
}

// javaDateReplacer turns the Java date pattern letters {date:PATTERN} may use into Go's.
var javaDateReplacer = strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05")

// CheckFormat reports the first {...} of a path or file name format that is not a variable
// it knows (most likely a typo), so that a configuration is refused before a sync writes
// objects under a literal "{stream}".
func CheckFormat(pattern string) error {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '{' {
			continue
		}
		if _, _, ok := variableAt(pattern, i-boolToInt(i > 0 && pattern[i-1] == '$')); !ok {
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 {
				return fmt.Errorf("has a { without its }")
			}
			return fmt.Errorf("uses %s, which is not a variable: use %s", pattern[i:i+end+1], "{"+strings.Join(Variables, "}, {")+"}")
		}
	}
	return nil
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
