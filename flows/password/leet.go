package password

// leet maps each l33t character to the letters it commonly stands for.
var leet = [128]string{
	'0': "o", '1': "il", '2': "z", '3': "e", '4': "a", '5': "s", '6': "g",
	'7': "tl", '8': "b", '9': "g", '@': "a", '$': "s", '!': "i", '|': "il",
	'+': "t", '(': "c", '<': "c", '{': "c", '[': "c", '%': "x",
}

// maxUnleet bounds the variants unleet returns: each ambiguous character
// ("1" for i or l) doubles them.
const maxUnleet = 16

// unleet returns s with every l33t character replaced, one string per
// combination of readings of the ambiguous ones (at most maxUnleet), or
// nil when s has no l33t character. Replacements are one byte for one
// byte, so offsets into s stay valid.
func unleet(s string) []string {
	var out [][]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 128 || leet[c] == "" {
			continue
		}
		if out == nil {
			out = [][]byte{[]byte(s)}
		}
		alts := leet[c]
		n := len(out)
		for _, v := range out[:n] {
			v[i] = alts[0]
		}
		for k := 1; k < len(alts) && len(out) < maxUnleet; k++ {
			for j := 0; j < n && len(out) < maxUnleet; j++ {
				v := append([]byte(nil), out[j]...)
				v[i] = alts[k]
				out = append(out, v)
			}
		}
	}
	res := make([]string, len(out))
	for i, v := range out {
		res[i] = string(v)
	}
	return res
}
