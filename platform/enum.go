package platform

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// enumNames backs String and Parse for the small enums of this package.
func parseEnum[T ~uint8](what, s string, names []string) (T, error) {
	for i, n := range names {
		if i > 0 && n == s {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown %s %q (allowed: %s)", ErrInvalid, what, s, strings.Join(names[1:], ", "))
}

func enumString(names []string, i uint8) string {
	if int(i) < len(names) && i > 0 {
		return names[i]
	}
	return fmt.Sprintf("unknown(%d)", i)
}

// The platform's enums read and write as their names in JSON and YAML
// (encoding.TextMarshaler), so requests, fixtures and load plans write
// "discount", not 2. The empty text is the zero value, which callers read
// as "not given" (StockSpec fills in defaults). In JSON a number is also
// read, as stores written before the names were kept it.

// marshalEnum writes a known value's name; the zero value is the empty text.
func marshalEnum(names []string, i uint8) ([]byte, error) {
	if i == 0 {
		return []byte{}, nil
	}
	if int(i) >= len(names) {
		return nil, fmt.Errorf("%w: no name for value %d", ErrInvalid, i)
	}
	return []byte(names[i]), nil
}

// unmarshalEnum reads a name into *dst; the empty text is the zero value.
func unmarshalEnum[T ~uint8](dst *T, what string, names []string, text []byte) error {
	if len(text) == 0 {
		*dst = 0
		return nil
	}
	v, err := parseEnum[T](what, string(text), names)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// unmarshalEnumJSON reads a JSON string name, or a number as written
// before the names.
func unmarshalEnumJSON[T ~uint8](dst *T, what string, names []string, data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] != '"' && string(data) != "null" {
		n, err := strconv.ParseUint(string(data), 10, 8)
		if err != nil || n >= uint64(len(names)) {
			return fmt.Errorf("%w: %s %s (allowed: %s)", ErrInvalid, what, data, strings.Join(names[1:], ", "))
		}
		*dst = T(n)
		return nil
	}
	if string(data) == "null" {
		return nil
	}
	s, err := strconv.Unquote(string(data))
	if err != nil {
		return fmt.Errorf("%w: %s: want a string", ErrInvalid, what)
	}
	return unmarshalEnum(dst, what, names, []byte(s))
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return marshalEnum(kindNames, uint8(k)) }

// UnmarshalText reads a kind name such as "discount".
func (k *Kind) UnmarshalText(b []byte) error { return unmarshalEnum(k, "coupon kind", kindNames, b) }

// UnmarshalJSON reads a kind name, or its number.
func (k *Kind) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(k, "coupon kind", kindNames, b)
}

// MarshalText writes the category's name.
func (c Category) MarshalText() ([]byte, error) { return marshalEnum(categoryNames, uint8(c)) }

// UnmarshalText reads a category name such as "education".
func (c *Category) UnmarshalText(b []byte) error {
	return unmarshalEnum(c, "category", categoryNames, b)
}

// UnmarshalJSON reads a category name, or its number.
func (c *Category) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(c, "category", categoryNames, b)
}

// MarshalText writes the channel's name.
func (c Channel) MarshalText() ([]byte, error) { return marshalEnum(channelNames, uint8(c)) }

// UnmarshalText reads a channel name such as "mini-program".
func (c *Channel) UnmarshalText(b []byte) error { return unmarshalEnum(c, "channel", channelNames, b) }

// UnmarshalJSON reads a channel name, or its number.
func (c *Channel) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(c, "channel", channelNames, b)
}

// MarshalText writes the tier's name.
func (t Tier) MarshalText() ([]byte, error) { return marshalEnum(tierNames, uint8(t)) }

// UnmarshalText reads a tier name such as "certified".
func (t *Tier) UnmarshalText(b []byte) error { return unmarshalEnum(t, "merchant tier", tierNames, b) }

// UnmarshalJSON reads a tier name, or its number.
func (t *Tier) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(t, "merchant tier", tierNames, b)
}

// MarshalText writes the industry's name.
func (i Industry) MarshalText() ([]byte, error) { return marshalEnum(industryNames, uint8(i)) }

// UnmarshalText reads an industry name such as "catering".
func (i *Industry) UnmarshalText(b []byte) error {
	return unmarshalEnum(i, "industry", industryNames, b)
}

// UnmarshalJSON reads an industry name, or its number.
func (i *Industry) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(i, "industry", industryNames, b)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return marshalEnum(stateNames, uint8(s)) }

// UnmarshalText reads a state name such as "offered".
func (s *State) UnmarshalText(b []byte) error {
	return unmarshalEnum(s, "coupon state", stateNames, b)
}

// UnmarshalJSON reads a state name, or its number.
func (s *State) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(s, "coupon state", stateNames, b)
}

// Duration is a time.Duration that reads and writes as ParseDuration and
// FormatDuration do: "30d", "36h", "90m". The empty text is 0.
type Duration time.Duration

// MarshalText writes d as FormatDuration does; 0 is the empty text.
func (d Duration) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte{}, nil
	}
	return []byte(FormatDuration(time.Duration(d))), nil
}

// UnmarshalText reads a duration such as "7d" or "36h".
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
