// Package endpoint is the cluster's common endpoint (the reference's
// "endpoint" minion, cluster.endpoint.*): one HTTP(S) port, 8888 by default,
// shared by the services that serve agents and tools, each under a path of
// its own; a request goes to the user whose path is the longest registered
// prefix of its path (by whole segments), anything else gets 404. Each user
// with a name is published in service discovery (package discovery) as
// <scheme>://<cluster.endpoint.service.host>:<port><path>, so that clients
// find it; the reference's only such user is the topology cache
// (topology-cache, at /topology-cache, see TopologyCache).
//
// TLS (cluster.endpoint.auth.ssl.enabled) takes its certificate from the
// configured source: a self-signed one made at start (autosigned, the
// default), a JKS or PKCS#12 key store (keystore; keystore_path and
// keystore_password, else the node's midonet.keystore_path and password),
// or PEM files (certificate; certificate_path, privatekey_path).
package endpoint

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/midonet/midonet-go/cluster/discovery"
	"github.com/midonet/midonet-go/midonet/storage"
	"github.com/midonet/midonet-go/mnconf"
	"github.com/midonet/midonet-go/restapi/keystore"
)

// SSL sources (cluster.endpoint.auth.ssl.source).
const (
	SourceAutoSigned  = "autosigned"
	SourceKeystore    = "keystore"
	SourceCertificate = "certificate"
)

// Config is cluster.endpoint.* (enabled is the node's business).
type Config struct {
	// Host is the advertised host (service.host; default: this host's
	// address).
	Host string
	// Interface is the address to bind (service.interface; "" = all).
	Interface string
	Port      int
	SSL       bool
	// Source of the TLS certificate: SourceAutoSigned, SourceKeystore or
	// SourceCertificate.
	Source                          string
	KeystorePath, KeystorePassword  string
	CertificatePath, PrivateKeyPath string
	PrivateKeyPassword              string
}

// ConfigFrom reads cluster.endpoint.* from an mn-conf view; the key store
// falls back to the node's (midonet.keystore_path and _password), as the
// reference's does to the JVM's system properties.
func ConfigFrom(c *mnconf.Config, nodeKeystorePath, nodeKeystorePassword string) (Config, error) {
	str := func(key string) string {
		v, err := c.String("cluster.endpoint." + key)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(v)
	}
	port, err := c.Int("cluster.endpoint.service.port")
	if err != nil {
		return Config{}, err
	}
	if port < 0 || port > 65535 {
		return Config{}, fmt.Errorf("cluster.endpoint.service.port %d out of range", port)
	}
	ssl, err := c.Bool("cluster.endpoint.auth.ssl.enabled")
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Host: str("service.host"), Interface: str("service.interface"), Port: int(port), SSL: ssl,
		Source: str("auth.ssl.source"), KeystorePath: str("auth.ssl.keystore_path"),
		KeystorePassword: str("auth.ssl.keystore_password"), CertificatePath: str("auth.ssl.certificate_path"),
		PrivateKeyPath: str("auth.ssl.privatekey_path"), PrivateKeyPassword: str("auth.ssl.privatekey_password")}
	if cfg.Source == "" {
		cfg.Source = SourceAutoSigned
	}
	switch cfg.Source {
	case SourceAutoSigned, SourceKeystore, SourceCertificate:
	default:
		return Config{}, fmt.Errorf("cluster.endpoint.auth.ssl.source %q: want autosigned, keystore or certificate", cfg.Source)
	}
	if cfg.KeystorePath == "" {
		cfg.KeystorePath = nodeKeystorePath
	}
	if cfg.KeystorePassword == "" {
		cfg.KeystorePassword = nodeKeystorePassword
	}
	if cfg.Host == "" {
		cfg.Host = hostAddress()
	}
	return cfg, nil
}

// hostAddress is the address of this host's name, as Java's
// InetAddress.getLocalHost().getHostAddress().
func hostAddress() string {
	if name, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(name); err == nil && len(addrs) > 0 {
			return addrs[0]
		}
	}
	return "127.0.0.1"
}

// User is a service served on the endpoint.
type User interface {
	// Name is the service's name in discovery; "" keeps it out.
	Name() string
	// Path is where it is served: absolute, normalized when registered.
	Path() string
	// Scheme is the URI scheme clients use ("http"/"https", "ws"/"wss").
	Scheme(ssl bool) string
	http.Handler
}

// Registration errors.
var (
	ErrPathNotAbsolute   = errors.New("the provided path is not absolute")
	ErrPathNormalization = errors.New("error normalizing the provided path")
	ErrPathRegistered    = errors.New("the provided path was already registered")
)

// normalize resolves . and .. and drops a trailing slash; a path climbing
// above its root cannot be normalized.
func normalize(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: %s", ErrPathNotAbsolute, p)
	}
	var out []string
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "", ".":
		case "..":
			if len(out) == 0 {
				return "", fmt.Errorf("%w: %s", ErrPathNormalization, p)
			}
			out = out[:len(out)-1]
		default:
			out = append(out, part)
		}
	}
	return "/" + strings.Join(out, "/"), nil
}

// Registrar maps paths to users.
type Registrar struct {
	mu    sync.RWMutex
	users map[string]User
}

// NewRegistrar returns an empty registrar.
func NewRegistrar() *Registrar { return &Registrar{users: map[string]User{}} }

// Register adds u at its normalized path, returned.
func (r *Registrar) Register(u User) (string, error) {
	p, err := normalize(u.Path())
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.users[p]; taken {
		return "", fmt.Errorf("%w: %s", ErrPathRegistered, p)
	}
	r.users[p] = u
	return p, nil
}

// Find returns the user of p or of its nearest registered ancestor below
// the root, with the path it is registered at.
func (r *Registrar) Find(p string) (string, User, bool) {
	n, err := normalize(p)
	if err != nil {
		return "", nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for n != "/" && n != "" {
		if u, ok := r.users[n]; ok {
			return n, u, true
		}
		n = n[:strings.LastIndex(n, "/")]
	}
	return "", nil, false
}

// ErrBind: the endpoint's address is not available (port taken...).
var ErrBind = errors.New("endpoint cannot bind its address")

// Server is the running endpoint.
type Server struct {
	cfg   Config
	reg   *Registrar
	srv   *http.Server
	ln    net.Listener
	log   *slog.Logger
	regs  []*discovery.Registration
	done  chan struct{}
	ssl   bool
	local string
}

// Start binds the endpoint (an error if the port is taken), registers the
// users (and their discovery instances under root on conn) and serves.
func Start(ctx context.Context, conn storage.Conn, root string, cfg Config, users []User, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, reg: NewRegistrar(), log: log, done: make(chan struct{}), ssl: cfg.SSL}
	var tlsCfg *tls.Config
	if cfg.SSL {
		cert, err := certificate(cfg)
		if err != nil {
			return nil, fmt.Errorf("endpoint TLS (%s): %w", cfg.Source, err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(cfg.Interface, strconv.Itoa(cfg.Port)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBind, err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout: 30 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	for _, u := range users {
		p, err := s.reg.Register(u)
		if err != nil {
			s.stop(ctx)
			return nil, err
		}
		log.Info("endpoint user registered", "path", p, "name", u.Name())
		if u.Name() == "" {
			continue
		}
		uri := &url.URL{Scheme: u.Scheme(cfg.SSL), Host: net.JoinHostPort(cfg.Host, strconv.Itoa(s.Port())), Path: p}
		r, err := discovery.Register(ctx, conn, root, discovery.NewURI(u.Name(), uri), log)
		if err != nil {
			// As the reference: the user is served, only not discoverable.
			log.Warn("unable to register an endpoint user in service discovery", "name", u.Name(), "err", err)
			continue
		}
		s.regs = append(s.regs, r)
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("endpoint stopped serving", "err", err)
		}
	}()
	log.Info("endpoint listening", "addr", ln.Addr().String(), "advertised", cfg.Host, "ssl", cfg.SSL, "ssl_source", cfg.Source)
	return s, nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Port is the bound port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if _, u, ok := s.reg.Find(r.URL.Path); ok {
		u.ServeHTTP(w, r)
		return
	}
	s.log.Warn("no endpoint user for the path", "uri", r.URL.RequestURI())
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusNotFound)
}

// Stop unregisters the users from discovery and stops serving (in-flight
// requests get until ctx ends).
func (s *Server) Stop(ctx context.Context) error {
	var errs []error
	for _, r := range s.regs {
		errs = append(errs, r.Unregister(ctx))
	}
	errs = append(errs, s.stop(ctx))
	return errors.Join(errs...)
}

func (s *Server) stop(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	select {
	case <-s.done:
	default:
		if s.ln != nil {
			s.ln.Close()
		}
	}
	return err
}

// ErrEncryptedKey: PEM private keys with a password are not read.
var ErrEncryptedKey = errors.New("password-protected private keys are not supported; decrypt the key file")

func certificate(cfg Config) (tls.Certificate, error) {
	switch cfg.Source {
	case SourceKeystore:
		if cfg.KeystorePath == "" {
			return tls.Certificate{}, errors.New("keystore location not provided")
		}
		return keystore.LoadFile(cfg.KeystorePath, cfg.KeystorePassword, keystore.Options{})
	case SourceCertificate:
		if cfg.CertificatePath == "" {
			return tls.Certificate{}, errors.New("certificate location not provided")
		}
		if cfg.PrivateKeyPath == "" {
			return tls.Certificate{}, errors.New("private key location not provided")
		}
		if cfg.PrivateKeyPassword != "" {
			return tls.Certificate{}, ErrEncryptedKey
		}
		return tls.LoadX509KeyPair(cfg.CertificatePath, cfg.PrivateKeyPath)
	default:
		return selfSigned()
	}
}

// selfSigned makes a certificate for this start only, as netty's
// SelfSignedCertificate.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{host, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
