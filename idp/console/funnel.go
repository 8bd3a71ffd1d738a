package console

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/funnel"
)

// Funnel reads the campaign's counts (*funnel.Counter).
type Funnel interface {
	Days(ctx context.Context, flow string, from, to time.Time) ([]funnel.Day, error)
}

// funnelColumns are the table's and the CSV's columns: the path, then
// where students were stopped.
var funnelColumns = []string{funnel.Started, funnel.Identified, funnel.Mismatched, funnel.Held, funnel.Limited,
	funnel.Unavailable, funnel.CodeSMS, funnel.CodeMail, funnel.SMSRefused, funnel.CodeNotSent, funnel.Verified,
	funnel.WrongCode, funnel.PasswordRefused, funnel.PasswordSet, funnel.Landed}

type funnelPage struct {
	Flow, From, To string
	Flows          []string
	Columns        []string
	Rows           []funnelRow
	Total          funnelRow
	Bars           []funnelBar // the path, for the chart
	Height         int         // the chart's
	Rules          []funnelRule
	CSV            string
	Kept           bool   // a counter is configured
	SMS            int64  // SMS sent over the period
	Cost           string // their estimated cost, written for the page's language; "": no price configured
	Screens        []funnelScreen
}

// funnelScreen is the time spent on one screen over the period.
type funnelScreen struct {
	Step        string
	Done        int64
	Median, P90 screenTime
}

// screenTime is a quantile as the page words it: at most Bound, or
// over it.
type screenTime struct {
	Bound string
	Over  bool
}

type funnelRow struct {
	Date   string
	Counts []int64
}

// funnelBar is one stage of the path: its count, its share of the
// started (the bar's length) and what was lost since the stage before.
type funnelBar struct {
	Stage       string
	Count       int64
	Pct, Y      int
	LostPct     int
	HasPrevious bool
}

type funnelRule struct {
	Key   string // the message key of the rule
	Count int64
}

// funnelRange reads ?from=&to=&flow= (default: the last 14 days of the
// activation).
func funnelRange(r *http.Request, now time.Time) (flow string, from, to time.Time) {
	flow = r.URL.Query().Get("flow")
	if flow != "activation" && flow != "reset" && flow != "expired" {
		flow = "activation"
	}
	to, from = now, now.AddDate(0, 0, -13)
	if t, err := time.Parse("2006-01-02", r.URL.Query().Get("to")); err == nil {
		to = t
	}
	if f, err := time.Parse("2006-01-02", r.URL.Query().Get("from")); err == nil && !f.After(to) {
		from = f
	}
	if to.Sub(from) > 366*24*time.Hour {
		from = to.AddDate(-1, 0, 0)
	}
	return flow, from, to
}

func (c *Console) funnelView(w http.ResponseWriter, r *http.Request, m *member) {
	flow, from, to := funnelRange(r, time.Now().UTC())
	p := funnelPage{Flow: flow, From: from.Format("2006-01-02"), To: to.Format("2006-01-02"),
		Flows: []string{"activation", "reset", "expired"}, Columns: funnelColumns, Kept: c.d.Funnel != nil}
	p.CSV = c.d.BasePath + "/admin/funnel.csv?flow=" + flow + "&from=" + p.From + "&to=" + p.To
	if c.d.Funnel != nil {
		days, err := c.d.Funnel.Days(r.Context(), flow, from, to)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		total := map[string]int64{}
		for _, d := range days {
			row := funnelRow{Date: d.Date.Format("2006-01-02")}
			for _, col := range funnelColumns {
				row.Counts = append(row.Counts, d.Counts[col])
				total[col] += d.Counts[col]
			}
			p.Rows = append(p.Rows, row)
		}
		p.Total = funnelRow{Date: "total"}
		for _, col := range funnelColumns {
			p.Total.Counts = append(p.Total.Counts, total[col])
		}
		started := max(total[funnel.Started], 1)
		for i, stage := range funnel.Path {
			b := funnelBar{Stage: stage, Count: total[stage], Pct: int(total[stage] * 100 / started), Y: i * 40, HasPrevious: i > 0}
			if prev := total[funnel.Path[max(i-1, 0)]]; i > 0 && prev > 0 {
				b.LostPct = int((prev - min(total[stage], prev)) * 100 / prev)
			}
			p.Bars = append(p.Bars, b)
		}
		p.Height = len(p.Bars) * 40
		p.SMS = total[funnel.CodeSMS]
		if c.d.SMSPrice > 0 {
			p.Cost = strconv.FormatFloat(float64(p.SMS)*c.d.SMSPrice, 'f', 2, 64)
			if m == nil || m.lang != "en" {
				p.Cost = strings.Replace(p.Cost, ".", ",", 1)
			}
		}
		for _, step := range funnel.Screens {
			b := screenBuckets(days, step)
			med, over, n := funnel.Quantile(b, 0.5)
			if n == 0 {
				continue
			}
			p90, over90, _ := funnel.Quantile(b, 0.9)
			p.Screens = append(p.Screens, funnelScreen{Step: step, Done: n,
				Median: screenTime{shortDuration(med), over}, P90: screenTime{shortDuration(p90), over90}})
		}
		for _, k := range funnel.Rules(days) {
			var n int64
			for _, d := range days {
				n += d.Counts[k]
			}
			p.Rules = append(p.Rules, funnelRule{Key: k[len("rule:"):], Count: n})
		}
	}
	c.render(w, r, m, http.StatusOK, "admin_funnel", "admin.funnel.title", view{Current: "funnel", Page: p})
}

// screenBuckets adds up one screen's time buckets over days.
func screenBuckets(days []funnel.Day, step string) []int64 {
	sum := make([]int64, len(funnel.ScreenBounds)+1)
	for _, d := range days {
		for i, n := range d.Screens[step] {
			sum[i] += n
		}
	}
	return sum
}

// shortDuration writes a duration the same in French and English:
// "45 s", "1 min 30 s", "10 min", "1 h", "2 h 30 min".
func shortDuration(d time.Duration) string {
	if h := int(d / time.Hour); h > 0 {
		if m := int(d % time.Hour / time.Minute); m > 0 {
			return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
		}
		return strconv.Itoa(h) + " h"
	}
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return strconv.Itoa(s) + " s"
	case s == 0:
		return strconv.Itoa(m) + " min"
	}
	return strconv.Itoa(m) + " min " + strconv.Itoa(s) + " s"
}

// csvQuantile is a screen's quantile for the CSV: seconds at most, ">"
// before the last bound when past it, empty when nothing was counted.
func csvQuantile(buckets []int64, q float64) string {
	b, over, n := funnel.Quantile(buckets, q)
	switch {
	case n == 0:
		return ""
	case over:
		return ">" + strconv.Itoa(int(b.Seconds()))
	}
	return strconv.Itoa(int(b.Seconds()))
}

// funnelCSV exports the table: one row per day, a column per stage, and
// per screen the median and p90 of the time spent on it (seconds, at
// most).
func (c *Console) funnelCSV(w http.ResponseWriter, r *http.Request, m *member) {
	if c.d.Funnel == nil {
		http.NotFound(w, r)
		return
	}
	flow, from, to := funnelRange(r, time.Now().UTC())
	days, err := c.d.Funnel.Days(r.Context(), flow, from, to)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	_ = c.record(r.Context(), m, audit.Event{Kind: audit.KindExport, Detail: "funnel " + r.URL.RawQuery})
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="seuil-`+flow+`-`+from.Format("20060102")+`-`+to.Format("20060102")+`.csv"`)
	cw := csv.NewWriter(w)
	head := append([]string{"date", "flow"}, funnelColumns...)
	for _, s := range funnel.Screens {
		head = append(head, s+"_median_s", s+"_p90_s")
	}
	_ = cw.Write(head)
	for _, d := range days {
		rec := []string{d.Date.Format("2006-01-02"), flow}
		for _, col := range funnelColumns {
			rec = append(rec, strconv.FormatInt(d.Counts[col], 10))
		}
		for _, s := range funnel.Screens {
			rec = append(rec, csvQuantile(d.Screens[s], 0.5), csvQuantile(d.Screens[s], 0.9))
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}
