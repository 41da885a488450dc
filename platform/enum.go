package platform

import (
	"fmt"
	"strings"
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
