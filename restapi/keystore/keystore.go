// Package keystore turns a Java key store (JKS, or PKCS#12 as keytool writes
// by default since Java 9) into a tls.Certificate for the REST API's HTTPS
// listener, so that a key store made for the JVM cluster works unchanged.
package keystore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"

	jks "github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// Format is the on-disk encoding of a key store.
type Format int

const (
	// FormatUnknown: neither JKS nor PKCS#12 magic was recognised.
	FormatUnknown Format = iota
	// FormatJKS is Sun's proprietary key store (magic 0xFEEDFEED).
	FormatJKS
	// FormatPKCS12 is a DER-encoded PFX (an ASN.1 SEQUENCE).
	FormatPKCS12
)

func (f Format) String() string {
	switch f {
	case FormatJKS:
		return "JKS"
	case FormatPKCS12:
		return "PKCS#12"
	}
	return "unknown"
}

// Errors callers can match with errors.Is.
var (
	ErrUnknownFormat = errors.New("key store is neither JKS nor PKCS#12")
	ErrNoPrivateKey  = errors.New("key store holds no private key entry")
	ErrBadPassword   = errors.New("key store password is wrong or the store is corrupt")
	ErrKeyMismatch   = errors.New("private key does not match the certificate")
)

var jksMagic = []byte{0xfe, 0xed, 0xfe, 0xed}

// Detect tells the format from the content, not the file name: keytool on
// Java 9+ writes PKCS#12 even into a file called midonet.jks unless told
// -deststoretype JKS, and both must load.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, jksMagic):
		return FormatJKS
	case len(data) > 0 && data[0] == 0x30: // DER SEQUENCE
		return FormatPKCS12
	}
	return FormatUnknown
}

// Options selects what to load.
type Options struct {
	// Alias of the private key entry in a JKS store. Empty: the only private
	// key entry, or "midonet" when there are several, or else the first in
	// alphabetical order.
	Alias string
	// KeyPassword protects the private key entry of a JKS store; empty means
	// the store password (as Jetty uses one password for both).
	KeyPassword string
}

// LoadFile reads a key store file. See Load.
func LoadFile(path, password string, opts Options) (tls.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("keystore: %w", err)
	}
	cert, err := Load(data, password, opts)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("keystore %s: %w", path, err)
	}
	return cert, nil
}

// Load decodes a JKS or PKCS#12 key store and returns its private key with
// the certificate chain (leaf first), checked to belong together.
func Load(data []byte, password string, opts Options) (tls.Certificate, error) {
	var (
		key   crypto.PrivateKey
		chain [][]byte
		err   error
	)
	switch f := Detect(data); f {
	case FormatJKS:
		key, chain, err = loadJKS(data, password, opts)
	case FormatPKCS12:
		key, chain, err = loadPKCS12(data, password)
	default:
		return tls.Certificate{}, ErrUnknownFormat
	}
	if err != nil {
		return tls.Certificate{}, err
	}
	return assemble(key, chain)
}

func loadJKS(data []byte, password string, opts Options) (crypto.PrivateKey, [][]byte, error) {
	ks := jks.New()
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadPassword, err)
	}
	alias, err := pickAlias(ks, opts.Alias)
	if err != nil {
		return nil, nil, err
	}
	keyPass := opts.KeyPassword
	if keyPass == "" {
		keyPass = password
	}
	entry, err := ks.GetPrivateKeyEntry(alias, []byte(keyPass))
	if err != nil {
		return nil, nil, fmt.Errorf("private key entry %q: %w: %w", alias, ErrBadPassword, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(entry.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("private key entry %q: %w", alias, err)
	}
	chain := make([][]byte, 0, len(entry.CertificateChain))
	for _, c := range entry.CertificateChain {
		chain = append(chain, c.Content)
	}
	return key, chain, nil
}

func pickAlias(ks jks.KeyStore, want string) (string, error) {
	var keys []string
	for _, a := range ks.Aliases() {
		if ks.IsPrivateKeyEntry(a) {
			keys = append(keys, a)
		}
	}
	slices.Sort(keys)
	if want != "" {
		// keystore-go lower-cases aliases as the JDK does.
		for _, a := range keys {
			if a == want || a == toLower(want) {
				return a, nil
			}
		}
		return "", fmt.Errorf("alias %q: %w (private key aliases: %v)", want, ErrNoPrivateKey, keys)
	}
	switch {
	case len(keys) == 0:
		return "", ErrNoPrivateKey
	case len(keys) == 1:
		return keys[0], nil
	case slices.Contains(keys, "midonet"):
		return "midonet", nil
	}
	return keys[0], nil
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func loadPKCS12(data []byte, password string) (crypto.PrivateKey, [][]byte, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, nil, fmt.Errorf("%w: %w", ErrBadPassword, err)
		}
		if leaf == nil && key == nil {
			return nil, nil, fmt.Errorf("PKCS#12: %w", err)
		}
	}
	if key == nil {
		return nil, nil, ErrNoPrivateKey
	}
	chain := [][]byte{leaf.Raw}
	for _, c := range cas {
		chain = append(chain, c.Raw)
	}
	return key, chain, nil
}

func assemble(key crypto.PrivateKey, chain [][]byte) (tls.Certificate, error) {
	if len(chain) == 0 {
		return tls.Certificate{}, fmt.Errorf("%w: no certificate chain", ErrNoPrivateKey)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("leaf certificate: %w", err)
	}
	if !publicKeyMatches(key, leaf) {
		return tls.Certificate{}, ErrKeyMismatch
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

func publicKeyMatches(key crypto.PrivateKey, leaf *x509.Certificate) bool {
	var pub crypto.PublicKey
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case ed25519.PrivateKey:
		pub = k.Public()
	default:
		return false
	}
	eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(leaf.PublicKey)
}
