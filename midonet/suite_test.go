package midonet_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/midonet/midonet-go/midonet"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/midonet/storage/memtest"
	"github.com/midonet/midonet-go/midonet/storage/storagetest"
	"github.com/midonet/midonet-go/midonet/zoom"
)

// The store's tests run on every backend: each backend test calls one of
// the run* functions with a backend (sessions on one server).

// backend opens sessions on one server of the backend under test:
// memtest.Backend or zktest.Backend.
type backend = storagetest.Backend

var rootSeq atomic.Int64

// fixture is one store under its own root on a backend.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	b     backend
	conn  storage.Conn
	root  string
	store *zoom.Store
}

func newFixture(t testing.TB, b backend, opts zoom.Options) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	conn := b.Connect(t)
	if opts.Root == "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
		opts.Root = fmt.Sprintf("/t%d_%d_%s", time.Now().UnixNano()%1e6, rootSeq.Add(1), name)
	}
	st, err := midonet.NewStore(ctx, conn, opts)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return &fixture{t: t, ctx: ctx, b: b, conn: conn, root: opts.Root, store: st}
}

// another opens a second store (new session) on the same root.
func (f *fixture) another(opts zoom.Options) *zoom.Store {
	f.t.Helper()
	opts.Root = f.root
	st, err := midonet.NewStore(f.ctx, f.b.Connect(f.t), opts)
	if err != nil {
		f.t.Fatalf("NewStore: %v", err)
	}
	return st
}

type suiteCase struct {
	name string
	run  func(t *testing.T, b backend)
}

func runSuite(t *testing.T, b backend, cases []suiteCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, b) })
	}
}

// storeSuite is every behavioural test of the store.
func storeSuite() []suiteCase {
	return []suiteCase{
		{"Layout", testLayout},
		{"CRUD", testCRUD},
		{"TxFolding", testTxFolding},
		{"TxRollsBackOnError", testTxRollsBackOnError},
		{"BindingDeleteActions", testBindingDeleteActions},
		{"BackReferences", testBackReferences},
		{"ReferenceErrors", testReferenceErrors},
		{"ConcurrentPortsOnOneBridge", testConcurrentPorts},
		{"ConflictRetriesAreBounded", testConflictBounded},
		{"CreateDeleteRace", testCreateDeleteRace},
		{"ConcurrentSingleReference", testConcurrentSingleReference},
		{"GuardClass", testGuardClass},
		{"CacheSeesOtherWriters", testCacheSeesOtherWriters},
		{"StaleCacheWrites", testStaleCacheWrites},
		{"ManyChildren", testManyChildren},
		{"Append", testAppend},
		{"Elems", testElems},
		{"RemoveBackRefs", testRemoveBackRefs},
		{"Replace", testReplace},
		{"EnsureNode", testEnsureNode},
		{"CachedWriteSeesRecreation", testCachedWriteSeesRecreation},
		{"CachedWriteSeesRecreationArmed", testCachedWriteSeesRecreationArmed},
		{"CachedWriteSeesRecreationWritten", testCachedWriteSeesRecreationWritten},
		{"ReadYourWritesAcrossStores", testReadYourWritesAcrossStores},
		{"Each", testEach},
		{"WatchEndsOnExpiry", testWatchEndsOnExpiry},
		{"WatchObject", testWatchObject},
		{"WatchClass", testWatchClass},
		{"StateKeys", testStateKeys},
		{"StateKeyExpiry", testStateKeyExpiry},
		{"WatchStateKey", testWatchStateKey},
		{"StateTables", testStateTables},
		{"RecreateKeepsTables", testRecreateKeepsTables},
		{"UpdatePersistent", testUpdatePersistent},
		{"WatchStateTable", testWatchStateTable},
		{"Sequences", testSequences},
		{"SequenceBlocksShareWithJVM", testSequenceBlocksShareWithJVM},
		{"SequenceReservedAhead", testSequenceReservedAhead},
		{"SequenceBlocksGrow", testSequenceBlocksGrow},
		{"PipelinedBatchOnFailedOne", testPipelinedBatchOnFailedOne},
		{"ChurnOnOneBridge", testChurnOnOneBridge},
	}
}

func TestStoreMem(t *testing.T) { runSuite(t, memtest.NewBackend(), storeSuite()) }
