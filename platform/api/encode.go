package api

import (
	"encoding/json"
	"strconv"
)

// appendFields appends the opening brace and string fields given as name,
// value pairs, without the closing brace.
func appendFields(b []byte, kv ...string) []byte {
	b = append(b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, kv[i], kv[i+1])
	}
	return b
}

// appendField appends "name":"value".
func appendField(b []byte, name, value string) []byte {
	b = appendJSONString(b, name)
	b = append(b, ':')
	return appendJSONString(b, value)
}

// appendInts appends the non-zero integer fields given as name, value
// pairs (omitempty) and the closing brace.
func appendInts(b []byte, name1 string, v1 int64, name2 string, v2 int64) []byte {
	for _, f := range [...]struct {
		name string
		v    int64
	}{{name1, v1}, {name2, v2}} {
		if f.v != 0 {
			b = appendJSONString(append(b, ','), f.name)
			b = strconv.AppendInt(append(b, ':'), f.v, 10)
		}
	}
	return closeObject(b)
}

// closeObject appends the closing brace.
func closeObject(b []byte) []byte { return append(b, '}') }

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain {
		return append(append(b, s...), '"')
	}
	enc, _ := json.Marshal(s) // a string always encodes
	return append(b[:len(b)-1], enc...)
}
