package demorp

import (
	"encoding/json"
	"fmt"
)

func fmtAny(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any, map[string]any:
		b, _ := json.Marshal(t)
		return string(b)
	default:
		return fmt.Sprint(t)
	}
}
