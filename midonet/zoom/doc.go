// Package zoom is the generic object store of MidoNet ("ZOOM"), over the
// storage.Conn abstraction (ZooKeeper or the in-memory backend), with the
// reference's ZooKeeper layout, so a Go cluster and a JVM cluster can share
// one NSDB. The classes, bindings, state keys and tables it serves come
// from a Schema; the root package midonet provides MidoNet's.
//
// # Layout (Z = <root>/zoom/0)
//
//	Z/models/<Class>/<id>    object as protobuf text (models.Marshal: Java TextFormat bytes); version = optimistic lock
//	Z/objects/<Class>/<id>   provenance: binary ZoomObject, written in the same multi
//	Z/tables/<Class>/<id>/<table>[/<arg>...]   state tables, created with the object, removed after its delete (in the background)
//	Z/state/<ns>/<Class>/<id>/<key>[/<value>]  state keys (ephemeral leaves)
//
// NewStore creates the class directories (models/, objects/, tables/ and
// state/<namespace>/ per class), checking them first in one multi.
//
// # API (for the REST layer, the cluster services and vxgw)
//
//	st, _ := zoom.NewStore(ctx, conn, schema, zoom.Options{Root: "/midonet", Owner: zoom.OwnerClusterAPI})
//	st.Get(ctx, &models.Port{}, id)          // model only names the class; ids are github.com/google/uuid
//	st.GetAll(ctx, &models.Port{})           // also List; concurrent reads
//	st.Each(ctx, &models.Port{}, yield)      // the same, streamed a chunk at a time; shared objects: yield only reads
//	st.EachOf(ctx, &models.Port{}, ids, yield) // given ids in their order, missing ones left out; shared as Each's
//	st.GetMany(ctx, &models.Port{}, ids)
//	st.Exists(ctx, &models.Port{}, id)
//	st.Create(ctx, obj); st.Update(ctx, obj); st.UpdateWith(ctx, obj, validator)
//	st.Delete(ctx, &models.Port{}, id); st.DeleteIfExists(...)
//	st.Tx(ctx, func(tx *zoom.Tx) error {     // one multi; f re-run on conflicts
//		p, err := tx.Get(&models.Port{}, id) // Get/GetAll/GetMany/Exists see the tx's own writes
//		...
//		return tx.Update(p)                  // Create/Update/UpdateWith/Delete(model, id, ignoreMissing)
//	})
//	tx.Modify(&models.Dhcp{}, id, func(m proto.Message) error {...}) // read for write, change, Update
//	tx.Append(&models.Dhcp{}, id, "hosts", host) // spliced into the stored text at commit, composes in a batch
//	tx.Replace(&models.Dhcp{}, id, "hosts", old, new) // first element equal to old; Remove(..., old): cut; both spliced
//	tx.Elems(&models.Dhcp{}, id, "hosts", yield) // read a list's elements with the tx's edits, no copy (append or modify?)
//	tx.CreateNode(path, value) / UpdateNode / DeleteNode(path, ignoreMissing) // raw nodes, same multi
//	tx.EnsureNode(path)                      // create unless it exists, learnt at commit: no read before
//	tx.GuardClass(&models.Vtep{})            // before a whole-class check (unique field): guarders conflict
//	st.Watch(ctx, &models.Port{}, id)        // <-chan ObjectEvent: current value, updates, deletion
//	st.WatchClass(ctx, &models.Port{})       // <-chan ObjectEvent for every object of the class
//
// State keys (values of the store's namespace, ephemeral, owned by the
// writing session) and state tables:
//
//	owner, err := st.AddValue(ctx, &models.Host{}, hostID, "alive", "alive")
//	st.RemoveValue(ctx, &models.Host{}, hostID, "alive", "")
//	sv, err := st.GetKey(ctx, hostNS, &models.Port{}, portID, "active") // "" = own namespace
//	st.WatchKey(ctx, hostNS, &models.Port{}, portID, "active")         // <-chan StateEvent
//	tbl, err := st.Table(ctx, &models.Network{}, bridgeID, "mac_table", "0")
//	tbl.Add / AddPersistent / Remove / RemovePersistent / Get / Contains / Snapshot / Entries / Watch
//	tbl.UpdatePersistent(ctx, add, remove) // many persistent entries in a few multis
//	st.TableArguments(ctx, &models.Network{}, bridgeID, "mac_table")  // VLANs with a table
//
// Shared counters (the reference's SequenceDispenser, <root>/sequences/<tag>,
// shared with JVM nodes) hand out values from blocks reserved per store
// (Options.SequenceBlock, one compare-and-set per block, not per value;
// blocks grow up to 16 times while values are taken quickly):
//
//	key, err := st.Next(ctx, zoom.Sequence{Tag: "OVERLAY_TUNNEL_KEY", Seed: 1}) // midonet.OverlayTunnelKey
//
// *Tx's Get/Create/Update/Delete have the signatures of the REST layer's
// restapi.Tx, and Store's Get/List/Each/EachOf those of restapi.Store, so its adapter
// only wraps the Tx function. Objects returned are the caller's to modify;
// objects passed in are copied.
//
// # Transactions and concurrency
//
// A transaction caches every object it reads (with its data version) and
// folds the caller's operations into at most one storage op per object.
// Commit is a single storage Multi: creates, version-checked sets and
// deletes of the written objects with their provenance nodes, the table
// directories of new objects, and a version check of every object only
// read. A lost race (ErrBadVersion, or ErrNoNode from a concurrent delete)
// is a ConcurrentModificationError, on which Store.Tx runs the function
// again on fresh state until the commit succeeds or the context ends
// (Options.Attempts can bound the runs; a context without deadline gets
// one minute), with a random back-off that grows per attempt; there is no
// global lock. A create of an existing id fails with ObjectExistsError,
// not retried. A check over a whole class (a unique field) is protected by
// GuardClass: the commit also rewrites the class directory's data as read,
// under its data version, so of two guarding transactions the second
// conflicts and is re-run (the reference has no such check).
//
// Group commit: after a lost race on object X, the function runs in X's
// group, as do, for a while, the functions of other local transactions
// about to write X (they stop at their first load of X, before reading it,
// and run again in the group). The group's goroutine runs the functions
// queued meanwhile one after the other in one transaction (each sees the
// writes of those before it; one that fails is rolled back alone) and
// commits them in one multi: N ports created concurrently on one bridge
// cost one read and one write of the bridge per batch. Batches are
// pipelined: once batch N's multi is sent, batch N+1 is built on the state
// N leaves and sent too, checking the versions N gives the objects it
// writes and that the objects N creates exist, so that it fails if N does
// (its members then run again, on fresh state; they are answered after
// N's). A member whose create finds its id taken is dropped and the rest
// commit; any other lost race sends every member round again.
//
// Per-child cost stays flat: a back-reference appended to a repeated field
// (a bridge gaining a port), or an element given to Tx.Append (a subnet
// gaining a DHCP host), is recorded beside the shared parsed object
// instead of applied to a copy of it (a Get applies it to the caller's
// copy only), and the commit splices the element's
// lines into the object's stored text (models.SpliceRepeated: the same
// bytes Marshal would print) instead of printing the whole object. So do
// removals: a child's delete (its back-reference), Tx.Replace and
// Tx.Remove (a port's entry in an IP address group) are recorded as edits
// beside the object, and the commit finds the element's lines in the text
// by its printed form and cuts or replaces them (models.EditText; an
// element not found there, absent or printed with fields this printer
// does not know, makes the commit print the object instead). The cache
// applies an object's edits to a new version of it every 256 edits
// (models.ApplyListEditsShared: a new list of the same elements, which
// the cache never modifies), sooner when they would take more than 32
// walks over its lists to apply (models.ListSearches: a list's appended
// and removed ids take one, each replaced or removed entry of an IP
// address group one). Lines
// going at the end of the text (a bridge's port_ids) are appended in the
// spare capacity of the text the store last wrote, claimed by the first
// writer of that version (the others copy), so the text is copied only
// when the capacity runs out; a text edited in the middle (a port's id cut
// out) is made with an eighth spare for them.
//
// # The watch-fed cache
//
// The store keeps the objects it read again or wrote, parsed and printed,
// with their versions (and, for those it wrote, their provenance), bounded
// in entries and in the heap the objects hold, estimated from their text
// (32 MB: a parsed object is its struct and about 1.6 times its text); of
// an object read once it keeps only its key (class and 16-byte id), so
// that the next read keeps it. An entry read with a one-shot watch
// (storage.Conn's GetW and ExistsW) is armed until the watch fires, which
// it does once the object's node changes, is deleted, or the connection
// or session is lost (storage.Watch). An armed entry is the object as the
// store's session sees it, and is used with no round trip:
//
//   - A transaction's read (Tx.Get, the parent and reference checks of a
//     write, the object a write modifies) takes the armed entry without a
//     stat and without a sync: what a read on the store's session would
//     return. Nothing is lost for a write: a change the session has not
//     seen yet fails the commit's version check, and an object deleted
//     and re-created under its id fired the watch, so the one change a
//     version check cannot see (the re-created object brought back to the
//     same version number between the read and the commit) exists for a
//     cached write exactly as for a read-then-write, as in the reference.
//     A missing object is re-read after a sync before it is believed.
//   - Store reads (Get, GetAll, GetMany, Each, EachOf: the REST API's GETs
//     and lists) first wait for a Sync issued after they began (a barrier
//     shared by concurrent readers: one sync in flight, arrivals join the
//     next), then use armed entries and read (and arm) the rest; a list
//     takes the class's ids from a list armed by a children watch on the
//     class directory (re-read once an object is created or deleted). The
//     guarantee: a Store read sees every write acknowledged to anyone
//     before the read began, through any session on any server of the
//     ensemble (read-your-writes across cluster nodes behind a load
//     balancer), because the watch of every entry such a write changed has
//     fired when the sync returns. Without the barrier a read on a lagging
//     follower could answer an older version.
//
// The store's own writes fire the watches of what they wrote, so a
// written entry is unarmed. The first time the store writes an object, a
// stat with a watch, issued in the background right after the commit,
// arms it again when it shows the written version still current (same
// czxid and mzxid), and a reader arriving meanwhile waits for that stat
// instead of issuing its own (reads of one object are coalesced); with it
// the store sets the object's life watch, a children watch on its node
// (ZOOM's object nodes have no children), which fires when the node is
// deleted but not when its data is set, so the store's own writes leave it
// unfired. From then on the store's next write of the object takes the
// version it wrote last without a stat or waiting for one (a sequential
// client's creates on one bridge, or sixteen clients' on as many bridges,
// whose stats would queue behind the session's multis in flight): a set
// by another session fails the commit's version check, and the delete and
// re-creation a version check cannot see fired the life watch, so the
// write is exposed to nothing a write over an armed entry is not. An
// error the transaction's function returns after taking such a copy may
// come from a version the session already knows stale (a back-reference
// another session cleared): the function then runs again with armed
// entries only, before its error is believed. Reads (Store reads, and a
// transaction's reads of objects it does not write) still need armed
// entries, having no version check: such a written object is armed by its
// next read's stat. The ZooKeeper client cannot remove a watch, which costs
// about 400 bytes on the client (and a registration on the server) until
// its node changes: so an object's first read sets none (a scan of every
// object leaves a key each behind) and its next read arms the entry; an
// entry evicted while armed leaves its watch aside, reused when
// the object is read again, so the watches held are at most one per
// object read twice while cached, and at most as many as the cache's
// entries: past that, reads set none (their entries stay unarmed and are
// read each time) until watches fire and their objects are read again.
//
// Unlike the reference, which validates reads against the transaction's
// start zxid, reads are validated by the commit's version checks; objects
// read as absent are not re-checked (neither does the reference).
// A raw node (CreateNode, or an ancestor it creates) that another writer
// creates before the commit is a ConcurrentModificationError too: the
// function runs again and sees it.
//
// # Bindings
//
// A Binding ties a UUID field of one class to one of another (or the same)
// class. Creating or updating an object adds/removes its id in the back
// field of each referenced object (appending to repeated fields, setting
// single ones: ReferenceConflictError if already set; NotFoundError if the
// referenced object is missing), inside the same transaction. Deleting an
// object applies its side's DeleteAction to each referenced object: Clear,
// Cascade (recursively) or Error (ObjectReferencedError).
//
// # Errors
//
// NotFoundError, ObjectExistsError, ReferenceConflictError,
// ObjectReferencedError, ConcurrentModificationError, InvalidObjectError,
// UnregisteredError and StateError carry class and id; each matches its
// sentinel (ErrNotFound, ...) with errors.Is.
package zoom
