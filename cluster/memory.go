package cluster

import (
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"

	"github.com/midonet/midonet-go/internal/jvmconf"
	"github.com/midonet/midonet-go/mnconf"
)

// DefaultMemoryLimit is the soft memory limit of a node whose operator set
// none (no GOMEMLIMIT, --memory-limit, -Xmx or MAX_HEAP_SIZE): #12's bound
// on a node holding 100k objects (150 MB resident) with room for the part
// of the resident set the runtime does not count. Since the decoded cache
// is bounded by the estimated heap of what it keeps, the memory figure's
// ZooKeeper node holds 100k objects in 61-68 MB under it and 65-75 MB with Go's
// default alone (README, Memory), so the limit now guards against a larger
// store rather than shaping that figure. The limit is soft: a node whose
// live heap needs more gets it, at the cost of collections more often (the
// runtime caps the collector at about half the CPU rather than fail).
const DefaultMemoryLimit = 128 << 20

// goMemLimitVariable is the Go runtime's own memory limit variable, which
// it applies before the node starts.
const goMemLimitVariable = "GOMEMLIMIT"

// memoryLimit decides the node's soft memory limit, highest first:
// GOMEMLIMIT (already applied by the runtime: the result is 0, leave it),
// the command line's limit, the env file's maximum heap (heap, read from
// envFile), DefaultMemoryLimit. It returns the limit, where it came from,
// and why the env file's heap size was passed over when it is unusable
// (not an error: the file is the JVM's, and the node runs on the default).
func memoryLimit(src Sources, heap jvmconf.JVMOptions) (limit int64, from string, warning error, err error) {
	if src.Getenv != nil {
		if v := src.Getenv(goMemLimitVariable); v != "" {
			return 0, goMemLimitVariable + "=" + v, nil, nil
		}
	}
	if src.MemoryLimit != "" {
		limit, err := ParseMemoryLimit(src.MemoryLimit)
		if err != nil {
			return 0, "", nil, fmt.Errorf("memory limit (command line): %w", err)
		}
		return limit, "command line", nil, nil
	}
	if heap.MaxHeap != "" {
		n, err := heap.MaxHeapBytes()
		if err == nil {
			return n, heap.MaxHeap + " in " + src.EnvFile, nil, nil
		}
		warning = fmt.Errorf("%s: %w", src.EnvFile, err)
	}
	return DefaultMemoryLimit, "default", warning, nil
}

// ParseMemoryLimit reads a memory limit: a positive size as mn-conf reads
// sizes ("512MiB", "2G" and "2048M" are binary, "150MB" decimal, a bare
// number bytes), or "off" for none (as GOMEMLIMIT=off).
func ParseMemoryLimit(s string) (int64, error) {
	if strings.EqualFold(strings.TrimSpace(s), "off") {
		return math.MaxInt64, nil
	}
	n, err := mnconf.ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("%w: %q: want a positive size (e.g. 512MiB) or off", ErrBadConfig, s)
	}
	return n, nil
}

// applyMemoryLimit gives the runtime cfg's limit (when set) and logs the
// limit in force, once, as Run starts.
func applyMemoryLimit(cfg *Config, log *slog.Logger) {
	if cfg.memoryLimitWarning != nil {
		log.Warn("the env file's maximum heap is not a size; using the default memory limit", "err", cfg.memoryLimitWarning)
	}
	from := cfg.memoryLimitFrom
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
		if from == "" {
			from = "Config.MemoryLimit"
		}
	}
	if from == "" {
		return
	}
	limit := debug.SetMemoryLimit(-1)
	shown := "off"
	if limit != math.MaxInt64 {
		shown = fmt.Sprintf("%.0fMiB", float64(limit)/(1<<20))
	}
	log.Info("Go runtime soft memory limit", "limit", shown, "bytes", limit, "from", from)
}
