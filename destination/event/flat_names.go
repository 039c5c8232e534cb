package event

import (
	"reflect"
	"strings"
	"sync"
)

// Names of flat columns, and the paths of rejections and dropped fields that
// came from them (see flat.go).

// flatColumnName is the column of the field of object obj (user or data):
// obj_field, or the field's own name when it starts with obj_ (user_agent).
func flatColumnName(obj, field string) string {
	if strings.HasPrefix(field, obj+"_") {
		return field
	}
	return obj + "_" + field
}

// selfNamedColumns lists the documented user and data fields whose names
// start with their object's prefix (user_agent): each is its own column.
var selfNamedColumns = sync.OnceValue(func() []string {
	var names []string
	for _, obj := range []struct {
		prefix string
		t      reflect.Type
	}{{userPrefix, reflect.TypeFor[User]()}, {dataPrefix, reflect.TypeFor[Data]()}} {
		for i := 0; i < obj.t.NumField(); i++ {
			name, _, _ := strings.Cut(obj.t.Field(i).Tag.Get("json"), ",")
			if strings.HasPrefix(name, obj.prefix) {
				names = append(names, name)
			}
		}
	}
	return names
})

// rename gives a problem found in the rebuilt record the path of the flat
// column its field came from (user.email becomes user_email). c may be nil.
func (c *flatColumns) rename(prob *problem) *problem {
	if c != nil && prob != nil {
		prob.path = c.column(prob.path)
	}
	return prob
}

// renameDropped does the same for the dropped fields. c may be nil.
func (c *flatColumns) renameDropped(dropped []Dropped) {
	if c == nil {
		return
	}
	for i := range dropped {
		dropped[i].Path = c.column(dropped[i].Path)
	}
}

// column returns path with its field replaced by the flat column the field
// came from, if any: user.email becomes user_email, and
// data.contents[0].quantity becomes data_contents[0].quantity.
func (c *flatColumns) column(path string) string {
	for _, f := range c.user {
		if f.column != "" && fieldPath(path, "user.", f.key) {
			return f.column + path[len("user.")+len(f.key):]
		}
	}
	for _, f := range c.data {
		if f.column != "" && fieldPath(path, "data.", f.key) {
			return f.column + path[len("data.")+len(f.key):]
		}
	}
	return path
}

// fieldPath reports whether path is the field f of the object prefix names,
// or lies below it.
func fieldPath(path, prefix, f string) bool {
	n := len(prefix) + len(f)
	if len(path) < n || path[:len(prefix)] != prefix || path[len(prefix):n] != f {
		return false
	}
	return len(path) == n || path[n] == '.' || path[n] == '['
}
