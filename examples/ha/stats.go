package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/midonet/midonet-go/restapi/client"
)

// Result is what one phase of load (with or without a fault) measured.
type Result struct {
	Name     string
	Duration time.Duration
	OK       int
	Failed   int
	// Unavailable counts the failures that say the service could not be
	// reached or had no store (connection errors, timeouts, 502/503/504):
	// the ones a fault is expected to cause. The other failures (any other
	// error answer) are bugs whatever the fault.
	Unavailable int
	// ReqPerSec is acknowledged requests per second over the phase: the
	// load held.
	ReqPerSec float64
	// ErrorWindow runs from the start of the first request failed as
	// unavailable to the end of the last one (0 without such failures).
	ErrorWindow time.Duration
	// WritePause is the longest time without an acknowledged write, the
	// phase's start and end included.
	WritePause time.Duration
	// Takeover is how long until a new leader took over: the ZooKeeper
	// ensemble's after its leader died, or a singleton service's after its
	// holder died (0 when not measured).
	Takeover time.Duration
	// Lost and Dangling are the acknowledged writes missing on read-back
	// and the consistency checker's findings after the phase (-1: not run).
	Lost, Dangling int
	// FirstErrors keeps a few failures for the log.
	FirstErrors []string
	// OtherErrors counts the failures other than unavailability by status
	// and message.
	OtherErrors map[string]int
}

// Summarize measures the requests that ended in [from, to).
func Summarize(name string, reqs []Request, from, to time.Time) Result {
	r := Result{Name: name, Duration: to.Sub(from), Lost: -1, Dangling: -1}
	var firstFail, lastFail time.Time
	writes := []time.Time{from}
	for _, q := range reqs {
		if q.Err == nil {
			r.OK++
			if q.Write() {
				writes = append(writes, q.End)
			}
			continue
		}
		r.Failed++
		if len(r.FirstErrors) < 5 {
			r.FirstErrors = append(r.FirstErrors, fmt.Sprintf("%s %s: %v", q.End.Format("15:04:05.000"), q.Op, q.Err))
		}
		if !Unavailable(q.Err) {
			if r.OtherErrors == nil {
				r.OtherErrors = map[string]int{}
			}
			r.OtherErrors[errorKind(q.Err)]++
			continue
		}
		r.Unavailable++
		if firstFail.IsZero() || q.Start.Before(firstFail) {
			firstFail = q.Start
		}
		if q.End.After(lastFail) {
			lastFail = q.End
		}
	}
	if r.Failed > 0 {
		r.ErrorWindow = lastFail.Sub(firstFail)
	}
	writes = append(writes, to)
	slices.SortFunc(writes, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(writes); i++ {
		r.WritePause = max(r.WritePause, writes[i].Sub(writes[i-1]))
	}
	if secs := r.Duration.Seconds(); secs > 0 {
		r.ReqPerSec = float64(r.OK) / secs
	}
	return r
}

// Unavailable reports whether err says the API could not serve at all:
// no answer (connection refused or reset, timeout) or 502, 503, 504 (from
// haproxy with no healthy node, or a node without its store).
func Unavailable(err error) bool {
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		return err != nil
	}
	switch apiErr.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// errorKind is an error answer's status and message, without the request.
func errorKind(err error) string {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		return apiErr.Error()
	}
	return err.Error()
}

// PrintTable writes results as the README's table (Markdown).
func PrintTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| fault | load held (req/s) | requests ok / unavailable / other errors | error window (s) | longest write pause (s) | new leader after (s) | acked writes lost | dangling references |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		takeover := "-"
		if r.Takeover > 0 {
			takeover = fmt.Sprintf("%.1f", r.Takeover.Seconds())
		}
		fmt.Fprintf(w, "| %-28s | %5.0f | %6d / %d / %d | %5.1f | %5.1f | %5s | %3s | %3s |\n", r.Name, r.ReqPerSec, r.OK, r.Unavailable, r.Failed-r.Unavailable,
			r.ErrorWindow.Seconds(), r.WritePause.Seconds(), takeover, count(r.Lost), count(r.Dangling))
	}
}

func count(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// tableString is PrintTable into a string.
func tableString(results []Result) string {
	var b strings.Builder
	PrintTable(&b, results)
	return b.String()
}
