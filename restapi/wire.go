package restapi

// Request and response bodies on the wire: reading a JSON object body
// within its bounds, writing an entity (gzip-compressed when worth it).
// Gzip is klauspost/compress's: the same format as compress/gzip's, its
// fastest level about 2.5 times as fast on list answers (a 10k-bridge list
// was a quarter of the node's time in compress/gzip), and smaller.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// readBody reads a JSON object body (gzip-decoded if needed). An empty
// body reads as an empty object. The body is read by readRawBody; JSON
// null and other non-objects are refused (the reference has no object to
// validate then).
func (c *call) readBody() (map[string]json.RawMessage, error) {
	data, err := c.readRawBody()
	if err != nil {
		return nil, err
	}
	body := map[string]json.RawMessage{}
	if strings.TrimSpace(string(data)) == "" {
		return body, nil
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, &Error{Status: 400, Message: "Malformed JSON object in request body: " + err.Error(), Err: err}
	}
	if body == nil {
		return nil, &Error{Status: 400, Message: "Malformed JSON object in request body: null is not an object"}
	}
	return body, nil
}

// readRawBody reads a request body (gzip-decoded if needed), bounded after
// inflating (a small gzip body may inflate to gigabytes), its strings by
// the handler's string bound and its nesting by maxJSONDepth.
func (c *call) readRawBody() ([]byte, error) {
	var rd io.Reader = http.MaxBytesReader(c.w, c.r.Body, c.h.maxBody)
	if strings.EqualFold(c.r.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(rd)
		if err != nil {
			return nil, &Error{Status: 400, Message: "Invalid gzip request body", Err: err}
		}
		defer gz.Close()
		rd = &inflateLimit{r: gz, left: c.h.maxBody}
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request body too large", Err: err}
		}
		return nil, &Error{Status: 400, Message: "Cannot read request body", Err: err}
	}
	if err := checkJSONShape(data, c.h.maxString); err != nil {
		return nil, err
	}
	return data, nil
}

// inflateLimit fails a decompressed stream that grows past left bytes with
// the same error as http.MaxBytesReader, so both answer 413.
type inflateLimit struct {
	r    io.Reader
	left int64
}

func (l *inflateLimit) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &http.MaxBytesError{}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &http.MaxBytesError{}
	}
	return n, err
}

// maxJSONDepth bounds the nesting of request bodies: the deepest body of the
// API (a trace condition, a QoS policy's rules) nests three levels.
const maxJSONDepth = 32

// checkJSONShape walks a body's tokens before it is decoded: a string longer
// than maxString bytes is a violation of the field that holds it (what
// ZooKeeper can store bounds every field, see Options.MaxStringBytes), and
// nesting deeper than maxJSONDepth is refused. Syntax errors are left to
// the decoder, which words them.
func checkJSONShape(data []byte, maxString int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object, wantKey bool
		key             string
	}
	var open []frame
	// valueDone notes that the innermost object's next string is a key again.
	valueDone := func() {
		if n := len(open); n > 0 && open[n-1].object {
			open[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(open) == maxJSONDepth {
					return errorf(http.StatusBadRequest, "Malformed JSON object in request body: nested deeper than %d levels", maxJSONDepth)
				}
				open = append(open, frame{object: t == '{', wantKey: t == '{'})
			default:
				open = open[:len(open)-1]
				valueDone()
			}
		case string:
			if n := len(open); n > 0 && open[n-1].object && open[n-1].wantKey {
				open[n-1].key, open[n-1].wantKey = t, false
				continue
			}
			if len(t) > maxString {
				property := ""
				for i := len(open) - 1; i >= 0 && property == ""; i-- {
					property = open[i].key
				}
				return &Error{Status: http.StatusBadRequest, Message: "Validation error(s) found",
					Violations: []Violation{{Property: property, Message: fmt.Sprintf("size must be between 0 and %d", maxString)}}}
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// writeJSON answers 200 with v as JSON and the negotiated Content-Type.
func (c *call) writeJSON(status int, mediaType string, v any) {
	err := withJSON(v, func(data []byte) {
		c.w.Header().Set("Content-Type", mediaType)
		writeBody(c.w, c.r, status, data)
	})
	if err != nil {
		c.h.writeError(c.w, c.r, fmt.Errorf("encoding response: %w", err))
	}
}

// withJSON encodes v (appendJSON) into a buffer of entityBuffers and hands
// it to use, which must not keep it (a writer does not: io.Writer's
// contract); nothing is written when v fails to encode.
func withJSON(v any, use func(data []byte)) error {
	bp := entityBuffers.Get().(*[]byte)
	data, err := appendJSON((*bp)[:0], v)
	if err == nil {
		use(data)
	}
	if cap(data) <= maxPooledEntity {
		*bp = data[:0]
		entityBuffers.Put(bp)
	}
	return err
}

// entityBuffers are the buffers single entities are encoded into: a
// bridge's 1.5 KB grown from nothing was most of the bytes a GET
// allocated. maxPooledEntity bounds what a buffer keeps (a rare big
// entity's buffer is left to the collector).
var entityBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

const maxPooledEntity = 64 << 10

// writeBody writes a response entity, gzip-compressed when the client
// accepts it and the entity is large enough to gain from it (the
// reference's Jersey GZIP filter compresses every entity; clients accept
// either); HEAD gets the headers only.
func writeBody(w http.ResponseWriter, r *http.Request, status int, data []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if len(data) >= gzipMinBytes && acceptsGzip(r) {
		gz := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(gz)
		var buf bytes.Buffer
		gz.Reset(&buf)
		if _, err := gz.Write(data); err == nil && gz.Close() == nil {
			w.Header().Set("Content-Encoding", "gzip")
			data = buf.Bytes()
		}
	}
	if status != http.StatusNoContent && status != http.StatusNotModified && status >= 200 {
		// A known length: the server sends headers and entity in one
		// write at the end of the request instead of chunking an entity
		// over its 2 KB buffer (a bridge with its URIs) in two.
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// gzipMinBytes: smaller entities are sent as they are. A one-object answer
// (a bridge with its URIs is about 1.5 KB, a router or a port 1 KB) fits a
// TCP segment or two either way, and compressing a bridge was about half of
// the node's CPU time per GET (the compressor's fixed cost of building its
// tables), inflating it a third of a Go client's; lists and the root
// document (3.4 KB) are compressed.
const gzipMinBytes = 2 << 10

// gzipWriters reuses compressors: each holds large tables.
var gzipWriters = sync.Pool{New: func() any {
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return gz
}}

// acceptsGzip reads Accept-Encoding: gzip listed without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// arrayWriter writes a JSON array entity element by element as they are
// converted, instead of building the whole list and then its bytes: the
// entity is the same bytes writeJSON writes for the list, compressed by the
// same rule (gzipMinBytes, acceptsGzip), and an answer under gzipMinBytes
// goes through writeBody as it is. The status line and headers are written
// once gzipMinBytes of the entity are known; an element that fails before
// that answers the error as writeJSON's caller would, one that fails after
// aborts the response (the client sees a truncated entity, never a
// complete one).
type arrayWriter struct {
	w         http.ResponseWriter
	r         *http.Request
	status    int
	mediaType string
	buf       []byte    // encoded and not yet written
	out       io.Writer // nil until the headers are written
	gz        *gzip.Writer
	n         int
}

// arrayFlushBytes is how much of the entity is gathered before a write.
const arrayFlushBytes = 32 << 10

func newArrayWriter(w http.ResponseWriter, r *http.Request, status int, mediaType string) *arrayWriter {
	return &arrayWriter{w: w, r: r, status: status, mediaType: mediaType, buf: make([]byte, 0, 2*gzipMinBytes)}
}

// add appends one element; its error is the element's encoding error.
func (a *arrayWriter) add(o object) error {
	if a.n == 0 {
		a.buf = append(a.buf, '[')
	} else {
		a.buf = append(a.buf, ',')
	}
	a.n++
	var err error
	if a.buf, err = appendObject(a.buf, o); err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	if a.out == nil && len(a.buf) >= gzipMinBytes {
		a.start()
	}
	if a.out != nil && len(a.buf) >= arrayFlushBytes {
		a.flush()
	}
	return nil
}

// start writes the headers, choosing the encoding as writeBody does for an
// entity of at least gzipMinBytes.
func (a *arrayWriter) start() {
	a.w.Header().Set("Content-Type", a.mediaType)
	a.w.Header().Add("Vary", "Accept-Encoding")
	gz := acceptsGzip(a.r)
	if gz {
		a.w.Header().Set("Content-Encoding", "gzip")
	}
	switch {
	case a.r.Method == http.MethodHead:
		a.out = io.Discard
	case gz:
		a.gz = gzipWriters.Get().(*gzip.Writer)
		a.gz.Reset(a.w)
		a.out = a.gz
	default:
		a.out = a.w
	}
	a.w.WriteHeader(a.status)
}

func (a *arrayWriter) flush() {
	// A failed write is the client gone: the rest is discarded.
	if _, err := a.out.Write(a.buf); err != nil {
		a.out = io.Discard
	}
	a.buf = a.buf[:0]
}

// finish closes the array and writes what is left.
func (a *arrayWriter) finish() {
	if a.n == 0 {
		a.buf = append(a.buf, '[')
	}
	a.buf = append(a.buf, ']')
	if a.out == nil {
		a.w.Header().Set("Content-Type", a.mediaType)
		writeBody(a.w, a.r, a.status, a.buf)
		return
	}
	a.flush()
	if a.gz != nil {
		_ = a.gz.Close()
		a.gz.Reset(nil)
		gzipWriters.Put(a.gz)
		a.gz = nil
	}
}

// started reports whether the headers are written (an error can no longer
// be answered).
func (a *arrayWriter) started() bool { return a.out != nil }
