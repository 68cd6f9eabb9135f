package topologyapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/midonet/midonet-go/midonet/models"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
)

// maxFrame bounds a request's size: requests are a few UUIDs.
const maxFrame = 64 << 10

// serveConn runs one connection's protocol: handshake, then requests,
// while a writer drains the session's buffer to the client.
func serveConn(ctx context.Context, inv *inventory, conn net.Conn, log *slog.Logger) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	opts := protodelim.UnmarshalOptions{MaxSize: maxFrame}
	var s *session
	var from int64
	for s == nil {
		var req models.Request
		if err := readRequest(r, opts, &req); err != nil {
			return
		}
		hs := req.GetHandshake()
		if hs == nil {
			continue // only a handshake counts before the session
		}
		if hs.GetCnxnId() == nil || hs.GetReqId() == nil {
			return
		}
		cnxn := hs.GetCnxnId().ToGoogle()
		var err error
		s, from, err = inv.claim(cnxn, hs.GetSeqno(), hs.Seqno != nil)
		if err != nil {
			log.Info("topology API handshake rejected", "cnxn_id", cnxn, "err", err)
			protodelim.MarshalTo(conn, nack(hs.GetReqId(), fmt.Sprintf("handshake rejected: %s", cnxn)))
			return
		}
		if _, err := protodelim.MarshalTo(conn, &models.Response{Type: models.ResponseType_ACK.Enum(), ReqId: hs.GetReqId()}); err != nil {
			s.detach()
			return
		}
	}
	wctx, stopWriter := context.WithCancel(ctx)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		if err := writeSession(wctx, s, from, conn); err != nil && wctx.Err() == nil {
			log.Info("topology API connection closed", "cnxn_id", s.id, "err", err)
		}
		conn.Close() // ends the reader too
	}()
	bye := readRequests(ctx, s, r, opts)
	stopWriter()
	<-writerDone
	if bye {
		s.inv.remove(s)
	} else {
		s.detach()
	}
}

// readRequests handles requests until bye (true), a bad frame or the end
// of the connection (false).
func readRequests(ctx context.Context, s *session, r *bufio.Reader, opts protodelim.UnmarshalOptions) bool {
	for {
		var req models.Request
		if err := readRequest(r, opts, &req); err != nil {
			return false
		}
		switch {
		case req.GetBye() != nil:
			return true
		case req.GetGet() != nil:
			g := req.GetGet()
			class, ok := models.ClassByTopologyType(g.GetType())
			if !ok {
				s.emit(nack(g.GetReqId(), "invalid type"))
				continue
			}
			if g.GetSubscribe() {
				s.subscribe(g.GetReqId(), class, g.GetId())
			} else {
				s.get(ctx, g.GetReqId(), class, g.GetId())
			}
		case req.GetUnsubscribe() != nil:
			u := req.GetUnsubscribe()
			class, ok := models.ClassByTopologyType(u.GetType())
			if !ok {
				s.emit(nack(u.GetReqId(), "invalid type"))
				continue
			}
			key := subKey{typ: class.TopologyType}
			if u.GetId() != nil {
				key.id = u.GetId().ToGoogle()
			}
			s.unsubscribe(u.GetReqId(), key)
		}
		// A second handshake on an active connection is ignored.
	}
}

// writeSession writes the session's responses from seqno from on until
// ctx ends, the client falls a buffer behind or a write fails.
func writeSession(ctx context.Context, s *session, from int64, w io.Writer) error {
	bw := bufio.NewWriter(w)
	for {
		out, err := s.pending(from)
		if err != nil {
			return err
		}
		for _, r := range out {
			if _, err := protodelim.MarshalTo(bw, proto.Message(r)); err != nil {
				return err
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		from += int64(len(out))
		select {
		case <-ctx.Done():
			return nil
		case <-s.ctx.Done():
			return nil
		case <-s.notify:
		}
	}
}

// readRequest reads one frame as a Request whose required fields are all
// set, as the reference's parser demands.
func readRequest(r *bufio.Reader, opts protodelim.UnmarshalOptions, req *models.Request) error {
	if err := opts.UnmarshalFrom(r, req); err != nil {
		return err
	}
	return proto.CheckInitialized(req)
}
