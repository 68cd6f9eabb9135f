package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sizes: the quick defaults keep the CI run well under two minutes; -full
// selects the README's. Each size flag, when set, overrides either.
var (
	fullFlag    = flag.Bool("full", false, "the README's sizes: 5000 creates per throughput figure, bridges of 1k/5k/10k ports, 10k bridges, 10 s of GETs, 100k objects held, 200k creates churned")
	createsFlag = flag.Int("creates", 0, "port creates per throughput figure (quick 150, full 5000)")
	levelsFlag  = flag.String("levels", "", "comma-separated port counts of the bridge whose create time is measured; the first is the baseline (quick 0,200, full 0,1000,5000,10000)")
	samplesFlag = flag.Int("samples", 0, "creates timed at each level (quick 20, full 200)")
	bridgesFlag = flag.Int("bridges", 0, "bridges listed by GET /bridges (quick 300, full 10000)")
	getForFlag  = flag.Duration("get-for", 0, "how long each GET latency figure runs (quick 1s, full 10s)")
	outFlag     = flag.String("out", "", "also write the table to this file")
	objectsFlag = flag.Int("objects", 0, "objects held by the node whose memory is measured (quick 2000, full 100000)")
	churnFlag   = flag.Int("churn", 0, "port creates (each with a delete once the bridge is full) by 16 clients on one bridge in the churn figure (quick 400, full 200000)")
	churnPorts  = flag.Int("churn-ports", 0, "ports the churned bridge is kept at (quick 64, full 1024)")
	figuresFlag = flag.String("figures", "", "comma-separated families to measure (create, size, get, list, neutron, memory, churn); default all")
)

// sizes is how much work each figure does.
type sizes struct {
	creates int
	levels  []int
	samples int
	bridges int
	getFor  time.Duration
	objects int
	// churn creates on one bridge kept at churnPorts ports.
	churn, churnPorts int
}

var (
	quickSizes = sizes{creates: 150, levels: []int{0, 200}, samples: 20, bridges: 300, getFor: time.Second, objects: 2000, churn: 400, churnPorts: 64}
	fullSizes  = sizes{creates: 5000, levels: []int{0, 1000, 5000, 10000}, samples: 200, bridges: 10000, getFor: 10 * time.Second, objects: 100000, churn: 200000, churnPorts: 1024}
)

// sizesFromFlags is the chosen preset with the size flags applied.
func sizesFromFlags() (sizes, error) {
	s := quickSizes
	if *fullFlag {
		s = fullSizes
	}
	if *createsFlag > 0 {
		s.creates = *createsFlag
	}
	if *samplesFlag > 0 {
		s.samples = *samplesFlag
	}
	if *bridgesFlag > 0 {
		s.bridges = *bridgesFlag
	}
	if *objectsFlag > 0 {
		s.objects = *objectsFlag
	}
	if *churnFlag > 0 {
		s.churn = *churnFlag
	}
	if *churnPorts > 0 {
		s.churnPorts = *churnPorts
	}
	if *getForFlag > 0 {
		s.getFor = *getForFlag
	}
	if *levelsFlag != "" {
		s.levels = nil
		for f := range strings.SplitSeq(*levelsFlag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				return sizes{}, fmt.Errorf("-levels: %q is not a port count", f)
			}
			s.levels = append(s.levels, n)
		}
		if len(s.levels) < 2 || !slices.IsSorted(s.levels) {
			return sizes{}, fmt.Errorf("-levels: want ascending counts, the first being the baseline: %q", *levelsFlag)
		}
	}
	return s, nil
}

// TestPerformance measures every figure and prints the table. It asserts
// only what the table is made of (every row measured on both sides), never
// a time or a ratio: those depend on the machine.
func TestPerformance(t *testing.T) {
	sz, err := sizesFromFlags()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h := newHarness(t, sz)
	var tab table
	// Printed also when a figure fails: what was measured before stays.
	defer func() {
		var out strings.Builder
		fmt.Fprintf(&out, "\nsizes: %d creates per throughput figure, bridges of %v ports (%d creates timed at each), %d bridges listed, GETs for %v, %d objects held, %d creates churned on a bridge of %d ports\n\n",
			sz.creates, sz.levels, sz.samples, sz.bridges, sz.getFor, sz.objects, sz.churn, sz.churnPorts)
		tab.write(&out)
		fmt.Print(out.String())
		if *outFlag != "" {
			if err := os.WriteFile(*outFlag, []byte(out.String()), 0o644); err != nil {
				t.Error(err)
			}
		}
	}()
	families := []struct {
		name    string
		measure func(context.Context, *table)
		rows    int
	}{
		{"create", h.portCreates, 4*2 + 2},               // ZooKeeper multi, of the same shape, OVN
		{"size", h.timeBySize, 6 * (len(sz.levels) - 1)}, // create and delete: ZooKeeper, mem, raw multis of their shape
		{"get", h.getLatency, 8},                         // p50 and p99 by wrk and by Go clients vs raw gets, by wrk vs the HTTP floor and vs mem
		{"list", h.listBridges, 2},
		{"neutron", h.neutronPortCreates, 2},
		{"memory", h.memory, 2 * 5}, // ZooKeeper and mem: vs target, no limit, empty, data; read time
		{"churn", h.churn, 2},       // ZooKeeper and mem
	}
	chosen, err := chosenFamilies(*figuresFlag, len(families), func(i int) string { return families[i].name })
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i, f := range families {
		if chosen[i] {
			f.measure(ctx, &tab)
			want += f.rows
		}
	}
	if len(tab.rows) != want {
		t.Errorf("%d rows, want %d", len(tab.rows), want)
	}
	for _, r := range tab.rows {
		if r.failed != "" {
			continue // already an error
		}
		if !(r.ours > 0) || !(r.baseline > 0) || math.IsInf(r.ours/r.baseline, 0) {
			t.Errorf("%s: ours %v, baseline %v: both must be measured", r.figure, r.ours, r.baseline)
		}
	}
}

// row is one line of the table: a figure, its value and its baseline's
// value, in the same unit, or why it could not be measured.
type row struct {
	figure   string
	ours     float64
	baseline float64
	unit     string
	failed   string // why the figure has no values
}

type table struct{ rows []row }

func (t *table) add(r row) { t.rows = append(t.rows, r) }

// write prints the table in the README's format; the ratio is always
// ours ÷ baseline, so for rates above 1 is better and for times below.
func (t *table) write(w io.Writer) {
	fmt.Fprintln(w, "| figure | ours | baseline | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, r := range t.rows {
		if r.failed != "" {
			fmt.Fprintf(w, "| %s | failed: %s | | |\n", r.figure, r.failed)
			continue
		}
		fmt.Fprintf(w, "| %s | %s %s | %s %s | %.2f |\n", r.figure, number(r.ours), r.unit, number(r.baseline), r.unit, r.ours/r.baseline)
	}
}

// number prints 3 significant digits, without exponent.
func number(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// chosenFamilies parses -figures: which of the n families (named by name)
// to measure; all when list is empty.
func chosenFamilies(list string, n int, name func(int) string) ([]bool, error) {
	chosen := make([]bool, n)
	if list == "" {
		for i := range chosen {
			chosen[i] = true
		}
		return chosen, nil
	}
	for f := range strings.SplitSeq(list, ",") {
		f = strings.TrimSpace(f)
		i := -1
		for j := range n {
			if name(j) == f {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("-figures: no family %q", f)
		}
		chosen[i] = true
	}
	return chosen, nil
}

func TestSizeFlags(t *testing.T) {
	defer func(l string) { *levelsFlag = l }(*levelsFlag)
	for _, bad := range []string{"0", "100,0", "0,x", "0,-5"} {
		*levelsFlag = bad
		if _, err := sizesFromFlags(); err == nil {
			t.Errorf("-levels %q accepted", bad)
		}
	}
	names := []string{"create", "get"}
	if _, err := chosenFamilies("create,nope", 2, func(i int) string { return names[i] }); err == nil {
		t.Error("-figures nope accepted")
	}
	if c, err := chosenFamilies("get", 2, func(i int) string { return names[i] }); err != nil || !slices.Equal(c, []bool{false, true}) {
		t.Errorf("-figures get: %v, %v", c, err)
	}
	*levelsFlag = "0, 10,20"
	s, err := sizesFromFlags()
	if err != nil || !slices.Equal(s.levels, []int{0, 10, 20}) {
		t.Errorf("-levels 0,10,20: %v, %v", s.levels, err)
	}
}

func TestTableFormat(t *testing.T) {
	var tab table
	tab.add(row{figure: "a", ours: 50, baseline: 200, unit: "ops/s"})
	tab.add(row{figure: "b", ours: 1.5, baseline: 0.0123, unit: "ms"})
	tab.add(row{figure: "c", failed: "HTTP 503"})
	var b strings.Builder
	tab.write(&b)
	want := "| figure | ours | baseline | ratio |\n|---|---:|---:|---:|\n" +
		"| a | 50.0 ops/s | 200 ops/s | 0.25 |\n| b | 1.50 ms | 0.0123 ms | 121.95 |\n| c | failed: HTTP 503 | | |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
