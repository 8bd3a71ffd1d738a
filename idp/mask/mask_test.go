package mask

import "testing"

func TestMask(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Phone("+33788102599"), "+33 7 •• •• •• 99"},
		{Phone("not a phone"), "•••"},
		{Email("jeanne.martin@example.org"), "j•••@example.org"},
		{Email("@example.org"), "•••"},
		{Email("nobody"), "•••"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
