// Package consistency checks the referential integrity of a MidoNet topology
// stored in the ZOOM layout: it reads every object under
// <root>/zoom/0/models/<Class>/<id> straight from the backend (so it also
// sees data the object store would refuse to load) and verifies each binding
// of the schema (package midonet's 61 by default) from both sides. Every id
// held by a binding's field must name an existing object of the bound class,
// and that object's back field must hold the referrer as many times as the
// referrer holds it (ZOOM appends one back-reference per reference).
//
//	rep, err := consistency.Check(ctx, conn, "/midonet", consistency.Options{})
//	for _, f := range rep.Findings { fmt.Println(f) }
//
// The check reads objects one by one, not as a snapshot. On a busy store a
// write landing between two reads looks like an inconsistency, so each
// reference finding is confirmed by reading both objects again; findings
// that persist are real, or a writer is still at work on those objects
// (then run the check again).
package consistency

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/models"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// Problem is the kind of a Finding.
type Problem int

const (
	// DanglingReference: a binding field holds the id of an object that
	// does not exist.
	DanglingReference Problem = iota + 1
	// MissingBackReference: the referenced object exists but its back field
	// holds the referrer fewer times than the referrer holds it (usually
	// not at all).
	MissingBackReference
	// Undecodable: the stored data is not a valid text-format object of its
	// class.
	Undecodable
	// IDMismatch: the object's id field is unset or differs from its node name.
	IDMismatch
)

func (p Problem) String() string {
	switch p {
	case DanglingReference:
		return "dangling reference"
	case MissingBackReference:
		return "missing back-reference"
	case Undecodable:
		return "undecodable object"
	case IDMismatch:
		return "id mismatch"
	}
	return fmt.Sprintf("Problem(%d)", int(p))
}

// Finding is one inconsistency. Class/ID/Field name the object and binding
// field where it was found; RefClass/RefID/RefField the other side, when
// there is one.
type Finding struct {
	Problem  Problem
	Class    string
	ID       string
	Field    string
	RefClass string
	RefID    string
	RefField string
	Detail   string
}

func (f Finding) String() string {
	switch f.Problem {
	case DanglingReference:
		return fmt.Sprintf("%s: %s %s field %s -> %s %s which does not exist", f.Problem, f.Class, f.ID, f.Field, f.RefClass, f.RefID)
	case MissingBackReference:
		return fmt.Sprintf("%s: %s %s field %s -> %s %s, whose %s %s", f.Problem, f.Class, f.ID, f.Field, f.RefClass, f.RefID, f.RefField, f.Detail)
	default:
		return fmt.Sprintf("%s: %s %s: %s", f.Problem, f.Class, f.ID, f.Detail)
	}
}

// Report is the result of a Check.
type Report struct {
	// Objects counts the objects read per class (classes with none omitted).
	Objects map[string]int
	// Findings are sorted by class, id, field and referenced id.
	Findings []Finding
}

// Total is the number of objects read.
func (r *Report) Total() int {
	n := 0
	for _, c := range r.Objects {
		n += c
	}
	return n
}

// Count returns the number of findings of problem p.
func (r *Report) Count(p Problem) int {
	n := 0
	for _, f := range r.Findings {
		if f.Problem == p {
			n++
		}
	}
	return n
}

// Options tune a Check. The zero value checks MidoNet's schema.
type Options struct {
	// Schema gives the classes and bindings; midonet.Schema() when it has
	// no classes.
	Schema zoom.Schema
	// Readers is the number of concurrent reads; 16 when zero.
	Readers int
	// NoRecheck reports reference findings as first seen. By default the
	// objects on both sides of each are read again and only findings that
	// persist are reported, which filters out writes that happened
	// between the reads of the first pass.
	NoRecheck bool
}

// Check reads every object of the schema's classes under root (e.g.
// "/midonet") through conn and verifies every binding. Errors are for
// failures to read (a lost connection, a cancelled ctx); inconsistencies are
// Findings. An absent <root>/zoom/0/models is an empty topology.
func Check(ctx context.Context, conn storage.Conn, root string, opts Options) (*Report, error) {
	sch := opts.Schema
	if len(sch.Classes) == 0 {
		sch = midonet.Schema()
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = 16
	}
	root = strings.TrimRight(root, "/")
	if root != "" && !strings.HasPrefix(root, "/") {
		return nil, fmt.Errorf("consistency: root %q is not an absolute path", root)
	}
	modelsDir := root + "/zoom/0/models"
	checks, err := bindingChecks(sch)
	if err != nil {
		return nil, err
	}

	objs, findings, err := readAll(ctx, conn, modelsDir, sch.Classes, readers)
	if err != nil {
		return nil, err
	}
	rep := &Report{Objects: map[string]int{}, Findings: findings}
	for class, byID := range objs {
		if len(byID) > 0 {
			rep.Objects[class] = len(byID)
		}
	}
	var refFindings []Finding
	for _, c := range checks {
		refFindings = append(refFindings, c.run(objs)...)
	}
	// One recheck reads the two sides one after the other, so a write
	// landing between those two reads (a port deleted right after its
	// bridge was read) can still look dangling: a finding must survive
	// several rechecks, a short pause apart, to be reported.
	for round := 0; len(refFindings) > 0 && !opts.NoRecheck && round < recheckRounds; round++ {
		if round > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(recheckPause):
			}
		}
		if refFindings, err = recheck(ctx, conn, modelsDir, sch, checks, objs, refFindings); err != nil {
			return nil, err
		}
	}
	rep.Findings = append(rep.Findings, refFindings...)
	slices.SortFunc(rep.Findings, func(a, b Finding) int {
		for _, d := range []int{strings.Compare(a.Class, b.Class), strings.Compare(a.ID, b.ID),
			strings.Compare(a.Field, b.Field), strings.Compare(a.RefID, b.RefID), int(a.Problem) - int(b.Problem)} {
			if d != 0 {
				return d
			}
		}
		return 0
	})
	return rep, nil
}

// check is one direction of a binding: the ids in class.field should each
// be held back by refClass.refField.
type check struct {
	class, field       string
	refClass, refField string
}

// bindingChecks turns bindings into both directions, once for a binding of
// a field with itself (Port.peer_id), after validating that every field
// exists and holds UUIDs.
func bindingChecks(sch zoom.Schema) ([]check, error) {
	var checks []check
	seen := map[check]bool{}
	for _, b := range sch.Bindings {
		for _, c := range []check{{b.Left, b.LeftField, b.Right, b.RightField}, {b.Right, b.RightField, b.Left, b.LeftField}} {
			cls, ok := classByName(sch, c.class)
			if !ok {
				return nil, fmt.Errorf("consistency: binding names unknown class %q", c.class)
			}
			if _, err := models.RefField(cls.New(), c.field); err != nil {
				return nil, fmt.Errorf("consistency: binding field: %w", err)
			}
			if !seen[c] {
				seen[c] = true
				checks = append(checks, c)
			}
		}
	}
	return checks, nil
}

func classByName(sch zoom.Schema, name string) (models.Class, bool) {
	for _, c := range sch.Classes {
		if c.Name == name {
			return c, true
		}
	}
	return models.Class{}, false
}

func (c check) run(objs map[string]map[string]proto.Message) []Finding {
	var out []Finding
	for id, obj := range objs[c.class] {
		refs, err := models.RefIDs(obj, c.field)
		if err != nil {
			continue // validated in bindingChecks
		}
		counts := map[string]int{}
		for _, r := range refs {
			counts[r.Canonical()]++
		}
		for refID, n := range counts {
			target, ok := objs[c.refClass][refID]
			if !ok {
				out = append(out, Finding{Problem: DanglingReference, Class: c.class, ID: id, Field: c.field,
					RefClass: c.refClass, RefID: refID, RefField: c.refField})
				continue
			}
			back, _ := models.RefIDs(target, c.refField)
			held := 0
			for _, b := range back {
				if b.Canonical() == id {
					held++
				}
			}
			if held < n {
				detail := "does not hold it"
				if held > 0 || n > 1 {
					detail = fmt.Sprintf("holds it %d times, not %d", held, n)
				}
				out = append(out, Finding{Problem: MissingBackReference, Class: c.class, ID: id, Field: c.field,
					RefClass: c.refClass, RefID: refID, RefField: c.refField, Detail: detail})
			}
		}
	}
	return out
}

// readAll loads every object of classes, keyed by class then by node name.
func readAll(ctx context.Context, conn storage.Conn, modelsDir string, classes []models.Class, readers int) (map[string]map[string]proto.Message, []Finding, error) {
	type job struct {
		class models.Class
		id    string
	}
	var jobs []job
	for _, cls := range classes {
		ids, _, err := conn.Children(ctx, path.Join(modelsDir, cls.Name))
		if errors.Is(err, storage.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("consistency: list %s: %w", cls.Name, err)
		}
		for _, id := range ids {
			jobs = append(jobs, job{cls, id})
		}
	}

	objs := map[string]map[string]proto.Message{}
	for _, cls := range classes {
		objs[cls.Name] = map[string]proto.Message{}
	}
	var (
		mu       sync.Mutex
		findings []Finding
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan job)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				obj, finding, err := readObject(ctx, conn, path.Join(modelsDir, j.class.Name, j.id), j.class, j.id)
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
						cancel()
					}
				case finding != nil:
					findings = append(findings, *finding)
				case obj != nil:
					objs[j.class.Name][j.id] = obj
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("consistency: %w", err)
	}
	return objs, findings, nil
}

// readObject returns the decoded object, or a finding about it, or nothing
// when it was deleted since it was listed.
func readObject(ctx context.Context, conn storage.Conn, p string, cls models.Class, name string) (proto.Message, *Finding, error) {
	data, _, err := conn.Get(ctx, p)
	if errors.Is(err, storage.ErrNoNode) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("consistency: read %s: %w", p, err)
	}
	obj := cls.New()
	if err := models.Unmarshal(data, obj); err != nil {
		return nil, &Finding{Problem: Undecodable, Class: cls.Name, ID: name, Detail: err.Error()}, nil
	}
	id, err := models.ID(obj)
	if err != nil {
		return nil, &Finding{Problem: IDMismatch, Class: cls.Name, ID: name, Detail: err.Error()}, nil
	}
	if id.Canonical() != name {
		return nil, &Finding{Problem: IDMismatch, Class: cls.Name, ID: name,
			Detail: fmt.Sprintf("node %s holds object id %s", name, id.Canonical())}, nil
	}
	return obj, nil, nil
}

// recheckRounds and recheckPause bound how long a live cluster's racing
// writes can make a finding look real.
const (
	recheckRounds = 3
	recheckPause  = 200 * time.Millisecond
)

// recheck reads again the objects on both sides of findings and keeps the
// findings that the same checks still produce.
func recheck(ctx context.Context, conn storage.Conn, modelsDir string, sch zoom.Schema, checks []check,
	objs map[string]map[string]proto.Message, findings []Finding) ([]Finding, error) {
	type key struct{ class, id string }
	again := map[key]bool{}
	for _, f := range findings {
		again[key{f.Class, f.ID}] = true
		again[key{f.RefClass, f.RefID}] = true
	}
	// Read the latest committed state, not a lagging follower's.
	if err := conn.Sync(ctx, modelsDir); err != nil {
		return nil, fmt.Errorf("consistency: sync before recheck: %w", err)
	}
	for k := range again {
		cls, ok := classByName(sch, k.class)
		if !ok {
			continue
		}
		obj, _, err := readObject(ctx, conn, path.Join(modelsDir, k.class, k.id), cls, k.id)
		if err != nil {
			return nil, err
		}
		if obj == nil {
			delete(objs[k.class], k.id)
		} else {
			objs[k.class][k.id] = obj
		}
	}
	type findingKey struct {
		p                          Problem
		class, id, field, refClass string
		refID                      string
	}
	keyOf := func(f Finding) findingKey { return findingKey{f.Problem, f.Class, f.ID, f.Field, f.RefClass, f.RefID} }
	first := map[findingKey]bool{}
	for _, f := range findings {
		first[keyOf(f)] = true
	}
	var confirmed []Finding
	for _, c := range checks {
		for _, f := range c.run(objs) {
			if first[keyOf(f)] {
				confirmed = append(confirmed, f)
			}
		}
	}
	return confirmed, nil
}
