package students

import "testing"

func TestFastPhoneAgrees(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"0788102599", "07 88 10 25 99", "07.88.10.25.99", "07-88-10-25-99", "+33788102599", "+33 7 88 10 25 99",
		"0033788102599", "0033 7 88 10 25 99", "0147200000", "0700000001", "0088102599", "+330788102599",
		"078810259", "07881025999", "+447911123456", "0612345678", "0912345678", "0812345678",
		"0692123456", "0639012345", "0690123456", "0694123456", "0696123456", "0262123456", "+33692123456", "0033692123456",
	} {
		want, wantErr := NormalisePhone(s, "FR")
		got, ok := fastPhone(s, "FR")
		if ok && (wantErr != nil || got != want) {
			t.Errorf("%q: fast %q, NormalisePhone %q %v", s, got, want, wantErr)
		}
		if g, err := normalisePhone(s, "FR"); g != want || (err == nil) != (wantErr == nil) {
			t.Errorf("%q: normalisePhone %q %v, NormalisePhone %q %v", s, g, err, want, wantErr)
		}
	}
}

func FuzzFastPhone(f *testing.F) {
	for _, s := range []string{"0788102599", "+33 7 88 10 25 99", "0033.1.47.20.00.00", "0700000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastPhone(s, "FR")
		if !ok {
			return
		}
		want, err := NormalisePhone(s, "FR")
		if err != nil || got != want {
			t.Fatalf("%q: fast %q, NormalisePhone %q %v", s, got, want, err)
		}
	})
}
