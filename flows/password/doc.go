// Package password holds the password policy of the flows: the rules a
// new password must meet, the word lists behind them and a strength
// score, for the password screen's live checklist and meter (the server
// is the authority; the browser asks it through a JSON endpoint).
//
// The rules, each a Rule ID the UI translates (see the constants for the
// Args each failure carries):
//
//   - length: MinLength (8 by default, 8 to 128) to MaxLength characters;
//   - digit: at least one digit;
//   - ascii: printable ASCII only, naming the refused characters;
//   - dictionary: neither the password, lower-cased, nor what remains once
//     leading and trailing digits and symbols are cut and l33t is undone
//     (when 4 letters or more), is a listed French or English word, name
//     or common password: "Bonjour2024!", "P@ssw0rd", "Ecole2026" fail;
//   - personal: not containing the student number, INE, first or last
//     name (parts of 3 letters or more, accents dropped, l33t undone) or
//     birth date (DDMMYYYY, YYYYMMDD, DDMMYY, YYYY-MM-DD, DD/MM/YYYY…);
//   - strength: optional minimum score;
//   - history: not a previous password — enforced by the Directory when
//     the password is set, listed here so the checklist shows it.
//
// Score is zxcvbn's 0–4 scale, with matches from the embedded French and
// English lists added. The data (zxcvbn's English lists, keyboard graphs)
// and the guess formulas come from github.com/trustelem/zxcvbn; the
// matching and the search are Seuil's (estimate.go, patterns.go), with
// trustelem's estimates to the last bit (TestSameGuessesAsZxcvbn,
// FuzzSameGuesses, TestVerdictsHeld) except where its port loses l33t
// readings (see leetSubs).
//
// The word lists come from the MIT-licensed @zxcvbn-ts/language-fr,
// language-en and language-common npm packages (see data/NOTICE.md). `go
// generate ./flows/password` downloads them with npm and writes
// data/words.bin, a sorted list of 225k lower-case ASCII words with
// frequency ranks and an offset table, embedded in the binary: building
// needs neither npm nor the network. It is searched where it lies (a
// string in read-only data; Preload, or the first Check, reads its
// header, in tens of microseconds), so the server holds no copy on its heap.
// zxcvbn's English lists (94k words, from trustelem's module) are
// embedded the same way as data/zxcvbn.bin (go run ./gen -zxcvbn, no
// npm); TestZxcvbnListsEmbedded holds it to the module's. Lookups are
// prefix searches. A Check costs about
// 25 µs (BenchmarkCheck; 225 µs with trustelem's own matching);
// passwords over 32 bytes are scored in 32-byte chunks to bound that
// cost.
package password
