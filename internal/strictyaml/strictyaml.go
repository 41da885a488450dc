package strictyaml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"giftsim/results"
)

// Sentinels for input refused before its fields are read. An *Error wraps
// one of them, so callers can test with errors.Is.
var (
	ErrTooLarge       = errors.New("file too large")
	ErrNotText        = errors.New("not a UTF-8 text file")
	ErrSyntax         = errors.New("YAML syntax error")
	ErrAlias          = errors.New("YAML anchors and aliases are not supported")
	ErrTooDeep        = errors.New("YAML nested too deeply")
	ErrSecondDocument = fmt.Errorf("a second YAML document: %w", ErrSyntax)
	ErrEmpty          = fmt.Errorf("empty file: %w", ErrSyntax)
)

// Error is one problem at a place in a YAML file.
type Error struct {
	File string // File names the input ("" when read from a stream without a name).
	Line int    // Line is 1-based; 0 when the problem has no position.
	Col  int    // Col is 1-based; 0 when unknown.
	Path string // Path is the field, e.g. "phases[0].rate"; "" for the whole file.
	Rule string // Rule is the id of the rule the value breaks, e.g. "C3"; may be "".
	Msg  string // Msg says what is wrong and what is allowed.
	// Note narrows where the problem occurs, e.g. "arm 7-day"; may be "".
	Note string
	Err  error // Err is the cause, e.g. ErrTooLarge or a caller's sentinel; may be nil.
}

// Error formats e as "file:line:col: path: rule: msg (note)"; parts that are
// unknown are left out.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		switch {
		case e.Line > 0 && e.Col > 0:
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		case e.Line > 0:
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	if e.Rule != "" {
		b.WriteString(e.Rule + ": ")
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	b.WriteString(msg)
	if e.Note != "" {
		b.WriteString(" (" + e.Note + ")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in one input, in the order its reader
// sorts them (by position).
type Errors []*Error

// Error prints one problem per line.
func (l Errors) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds an *Error and errors.Is
// a cause any of them wraps.
func (l Errors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Limits bound what Parse accepts.
type Limits struct {
	MaxSize  int    // MaxSize is the largest input in bytes.
	MaxDepth int    // MaxDepth is the deepest nesting of collections (0: 32).
	What     string // What names the kind of file in messages, e.g. "a load plan".
	// Empty says what a file needs, in the message about an empty one,
	// e.g. "a plan needs at least name and phases"; may be "".
	Empty string
}

func (l Limits) depth() int {
	if l.MaxDepth > 0 {
		return l.MaxDepth
	}
	return 32
}

// Read reads at most lim.MaxSize bytes from r and refuses more: an endless
// stream such as /dev/zero costs no more than the limit.
func Read(r io.Reader, name string, lim Limits) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxSize)+1))
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot read: " + unwrapPath(err).Error(), Err: err}
	}
	if len(data) > lim.MaxSize {
		return nil, &Error{File: name, Err: ErrTooLarge, Msg: lim.TooLarge(-1)}
	}
	return data, nil
}

// ReadFile reads the file at path with Read, refusing a directory, and a
// regular file over lim.MaxSize before reading it. Every error is an *Error
// naming path; one that cannot be opened wraps the fs error.
func ReadFile(path string, lim Limits) ([]byte, error) {
	refuse := func(sentinel error, msg string) error { return &Error{File: path, Msg: msg, Err: sentinel} }
	f, err := os.Open(path)
	if err != nil {
		return nil, refuse(err, "cannot open: "+unwrapPath(err).Error())
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, refuse(err, "cannot read: "+unwrapPath(err).Error())
	case st.IsDir():
		return nil, refuse(ErrNotText, "is a directory, not a regular file")
	case st.Mode().IsRegular() && st.Size() > int64(lim.MaxSize):
		return nil, refuse(ErrTooLarge, lim.TooLarge(st.Size()))
	}
	return Read(f, path, lim)
}

// unwrapPath drops the path an fs error repeats.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// TooLarge says that a file of size bytes (-1: unknown, more than the
// limit) is too large and what is allowed.
func (l Limits) TooLarge(size int64) string {
	limit := results.FormatCount(int64(l.MaxSize)) + " bytes"
	if l.MaxSize >= 1<<20 && l.MaxSize%(1<<20) == 0 {
		limit += fmt.Sprintf(" (%d MiB)", l.MaxSize>>20)
	}
	if size < 0 {
		return fmt.Sprintf("file is larger than %s bytes; %s is at most %s", results.FormatCount(int64(l.MaxSize)), l.what(), limit)
	}
	return fmt.Sprintf("%s bytes; %s is at most %s", results.FormatCount(size), l.what(), limit)
}

func (l Limits) what() string {
	if l.What == "" {
		return "the file"
	}
	return l.What
}

// Parse checks that data is UTF-8 text of at most lim.MaxSize bytes holding
// one YAML document without anchors or aliases, nested at most
// lim.MaxDepth deep, and returns the document's root node. An empty
// document is ErrEmpty. Every error is an *Error.
func Parse(name string, data []byte, lim Limits) (*yaml.Node, error) {
	refuse := func(line, col int, sentinel error, format string, a ...any) error {
		return &Error{File: name, Line: line, Col: col, Msg: fmt.Sprintf(format, a...), Err: sentinel}
	}
	if lim.MaxSize > 0 && len(data) > lim.MaxSize {
		return nil, refuse(0, 0, ErrTooLarge, "%s", lim.TooLarge(int64(len(data))))
	}
	if line, col, bad := findBinary(data); bad != "" {
		return nil, refuse(line, col, ErrNotText, "not a UTF-8 text file (%s)", bad)
	}
	// The parser names the line of a syntax error, not its column.
	doc, second, err := decodeDocument(data)
	switch {
	case err != nil:
		line, msg := SyntaxLine(err)
		return nil, refuse(line, 0, ErrSyntax, "YAML syntax error: %s", msg)
	case second > 0:
		return nil, refuse(second, 0, ErrSecondDocument, "YAML syntax error: a second document starts here; %s holds one", lim.what())
	case doc == nil || len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].ShortTag() == "!!null"):
		if lim.Empty != "" {
			return nil, refuse(0, 0, ErrEmpty, "the file is empty; %s", lim.Empty)
		}
		return nil, refuse(0, 0, ErrEmpty, "the file is empty")
	}
	// Walk the tree in document order without recursion: refuse aliases,
	// whose expansion is the billion-laughs attack, then anchors, which
	// only aliases use, and nesting no input needs.
	type item struct {
		n     *yaml.Node
		depth int
	}
	var anchor *yaml.Node
	stack := []item{{doc.Content[0], 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case it.n.Kind == yaml.AliasNode:
			return nil, refuse(it.n.Line, it.n.Column, ErrAlias, "alias *%s: YAML anchors and aliases are not supported; write the value out", it.n.Value)
		case it.depth > lim.depth():
			return nil, refuse(it.n.Line, it.n.Column, ErrTooDeep, "nested more than %d levels deep", lim.depth())
		case it.n.Anchor != "" && anchor == nil:
			anchor = it.n
		}
		for i := len(it.n.Content) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.Content[i], it.depth + 1})
		}
	}
	if anchor != nil {
		return nil, refuse(anchor.Line, anchor.Column, ErrAlias, "anchor &%s: YAML anchors and aliases are not supported; write the value out", anchor.Anchor)
	}
	return doc.Content[0], nil
}

// Decode decodes the first document of data, which Parse accepted, into v
// strictly: fields v does not have are errors. The decoder's panics become
// errors, and its errors become an *Error at the first line it names,
// keeping the library's message (which may list several lines).
func Decode(name string, data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{File: name, Msg: fmt.Sprintf("the YAML decoder failed: %v", r), Err: ErrSyntax}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		line, _ := SyntaxLine(err)
		e := &Error{File: name, Line: line, Msg: strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
		if line == 0 {
			// A value's own UnmarshalText refused it, and the YAML library
			// names no place: find the value.
			var doc yaml.Node
			if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) == 1 {
				if n, path, terr := locate(doc.Content[0], reflect.TypeOf(v), ""); n != nil {
					e.Line, e.Col, e.Path, e.Msg, e.Err = n.Line, n.Column, path, terr.Error(), terr
				}
			}
		}
		return e
	}
	return nil
}

// Describe names what a node holds, for "got …" in messages: a mapping, a
// list, nothing, a quoted string or a plain scalar (cut at 40 characters).
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		v := n.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "…"
		}
		if n.ShortTag() == "!!str" {
			return strconv.Quote(v)
		}
		return v
	}
	return "something else"
}

// textUnmarshaler is the type of encoding.TextUnmarshaler.
var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// locate walks n along type t and returns the first scalar that t's
// UnmarshalText refuses, its path and the error.
func locate(n *yaml.Node, t reflect.Type, path string) (*yaml.Node, string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && reflect.PointerTo(t).Implements(textUnmarshaler) {
		u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
		if err := u.UnmarshalText([]byte(n.Value)); err != nil {
			return n, path, err
		}
		return nil, "", nil
	}
	switch {
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i, c := range n.Content {
			if m, p, err := locate(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); m != nil {
				return m, p, err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			ft, ok := fieldType(t, key)
			if !ok {
				continue
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			if m, p, err := locate(n.Content[i+1], ft, p); m != nil {
				return m, p, err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if m, p, err := locate(n.Content[i+1], t.Elem(), path+"."+n.Content[i].Value); m != nil {
				return m, p, err
			}
		}
	}
	return nil, "", nil
}

// fieldType finds the type of the struct field that YAML key names,
// looking into inline fields.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if got, ok := fieldType(ft, key); ok {
					return got, true
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		if tag == key {
			return f.Type, true
		}
	}
	return nil, false
}

// decodeDocument parses the first YAML document of data and reports the
// line where a second one starts (0: none). The parser's panics, should
// hostile input provoke one, become errors.
func decodeDocument(data []byte) (doc *yaml.Node, second int, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, second, err = nil, 0, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return &first, 0, nil
	case err != nil:
		return nil, 0, err
	default:
		return &first, max(next.Line, 1), nil
	}
}

// findBinary returns the position and a description of the first byte that
// is not UTF-8 text (or a control character other than tab and newlines).
func findBinary(data []byte) (line, col int, bad string) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, fmt.Sprintf("byte 0x%02x is not UTF-8", data[i])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return line, col, fmt.Sprintf("control character %U", r)
		case r == '\n':
			line, col = line+1, 0
		}
		col++
		i += size
	}
	return 0, 0, ""
}

var yamlLineRE = regexp.MustCompile(`(?:yaml: )?(?:unmarshal errors:\n\s*)?line (\d+): `)

// SyntaxLine splits a YAML library error such as "yaml: line 3: msg" into
// 3 and "msg" (0 and the whole message when it names no line).
func SyntaxLine(err error) (int, string) {
	msg := err.Error()
	m := yamlLineRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return 0, strings.TrimPrefix(msg, "yaml: ")
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	return line, strings.TrimSpace(msg[:m[0]] + msg[m[1]:])
}
