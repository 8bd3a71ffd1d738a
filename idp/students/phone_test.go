package students

import "testing"

func TestNormalisePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "07 88 10 25 99", want: "+33788102599"},
		{in: "0788102599", want: "+33788102599"},
		{in: "+33788102599", want: "+33788102599"},
		{in: "+33 7 88 10 25 99", want: "+33788102599"},
		{in: "0033788102599", want: "+33788102599"},
		{in: "07.88.10.25.99", want: "+33788102599"},
		{in: "+44 7911 123456", want: "+447911123456"},
		{in: "+49 1512 3456789", want: "+4915123456789"},
		{in: "", wantErr: true},
		{in: "hello", wantErr: true},
		{in: "0788", wantErr: true},
		{in: "+33 7 88 10 25 99 99 99 99 99 99 99 99", wantErr: true},
	}
	for _, tt := range tests {
		got, err := NormalisePhone(tt.in, "FR")
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzNormalisePhone(f *testing.F) {
	for _, s := range []string{"07 88 10 25 99", "+33788102599", "0033788102599", "+", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalisePhone(s, "FR")
		if err != nil {
			return
		}
		again, err := NormalisePhone(got, "FR")
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, got, again, err)
		}
	})
}
