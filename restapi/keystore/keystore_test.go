package keystore_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/midonet/midonet-go/restapi/keystore"
)

// requireTools skips when a command-line tool is missing, and fails under CI.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (required under CI): %v", tool, err)
			}
			t.Skipf("%s NOT INSTALLED, SKIPPING key store test: %v", tool, err)
		}
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// Store is a key store made by MidoNet's documented procedure.
type Store struct {
	Dir, JKS, P12, Password string
	Cert                    *x509.Certificate
}

// MakeDocumentedKeyStore runs openssl genrsa → req → x509 → pkcs12 -export →
// keytool -importkeystore in a temporary directory. extraKeytool is appended
// to the keytool command line (e.g. -deststoretype JKS).
func MakeDocumentedKeyStore(t *testing.T, extraKeytool ...string) Store {
	t.Helper()
	requireTools(t, "openssl", "keytool")
	dir := t.TempDir()
	const pass = "s3cret-pass"
	run(t, dir, "openssl", "genrsa", "-out", "midonet.key", "2048")
	run(t, dir, "openssl", "req", "-new", "-key", "midonet.key", "-out", "midonet.csr",
		"-subj", "/C=US/O=MidoNet test/CN=127.0.0.1")
	ext := filepath.Join(dir, "san.ext")
	if err := os.WriteFile(ext, []byte("subjectAltName=IP:127.0.0.1,DNS:localhost\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "openssl", "x509", "-req", "-days", "365", "-in", "midonet.csr",
		"-signkey", "midonet.key", "-out", "midonet.crt", "-extfile", ext)
	run(t, dir, "openssl", "pkcs12", "-export", "-in", "midonet.crt", "-inkey", "midonet.key",
		"-out", "midonet.p12", "-name", "midonet", "-passout", "pass:"+pass)
	args := append([]string{"-importkeystore", "-noprompt",
		"-srckeystore", "midonet.p12", "-srcstoretype", "PKCS12", "-srcstorepass", pass,
		"-destkeystore", "midonet.jks", "-deststorepass", pass, "-destkeypass", pass,
		"-alias", "midonet"}, extraKeytool...)
	run(t, dir, "keytool", args...)
	pemData, err := os.ReadFile(filepath.Join(dir, "midonet.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("openssl certificate not PEM")
	}
	certs, err := tls.X509KeyPair(pemData, mustRead(t, filepath.Join(dir, "midonet.key")))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(certs.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return Store{Dir: dir, JKS: filepath.Join(dir, "midonet.jks"), P12: filepath.Join(dir, "midonet.p12"),
		Password: pass, Cert: leaf}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocumentedProcedure(t *testing.T) {
	cases := []struct {
		name       string
		keytool    []string
		file       func(Store) string
		wantFormat keystore.Format
	}{
		// Java 9+ keytool writes PKCS#12 into midonet.jks by default.
		{"keytool default store type", nil, func(s Store) string { return s.JKS }, keystore.FormatPKCS12},
		{"keytool -deststoretype JKS", []string{"-deststoretype", "JKS"}, func(s Store) string { return s.JKS }, keystore.FormatJKS},
		{"openssl PKCS#12 directly", nil, func(s Store) string { return s.P12 }, keystore.FormatPKCS12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := MakeDocumentedKeyStore(t, tc.keytool...)
			path := tc.file(s)
			if got := keystore.Detect(mustRead(t, path)); got != tc.wantFormat {
				t.Fatalf("Detect = %v, want %v", got, tc.wantFormat)
			}
			cert, err := keystore.LoadFile(path, s.Password, keystore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cert.Certificate[0], s.Cert.Raw) {
				t.Fatal("loaded leaf certificate differs from the openssl one")
			}
			if cert.Leaf.Subject.CommonName != "127.0.0.1" {
				t.Fatalf("CN = %q", cert.Leaf.Subject.CommonName)
			}

			_, err = keystore.LoadFile(path, "wrong-password", keystore.Options{})
			if !errors.Is(err, keystore.ErrBadPassword) {
				t.Fatalf("wrong password: err = %v, want ErrBadPassword", err)
			}
		})
	}
}

func TestJKSAliasSelection(t *testing.T) {
	s := MakeDocumentedKeyStore(t, "-deststoretype", "JKS")
	if _, err := keystore.LoadFile(s.JKS, s.Password, keystore.Options{Alias: "MidoNet"}); err != nil {
		t.Fatalf("alias is case-insensitive in JKS: %v", err)
	}
	_, err := keystore.LoadFile(s.JKS, s.Password, keystore.Options{Alias: "other"})
	if !errors.Is(err, keystore.ErrNoPrivateKey) {
		t.Fatalf("missing alias: err = %v, want ErrNoPrivateKey", err)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, keystore.ErrUnknownFormat},
		{"text", []byte("not a key store"), keystore.ErrUnknownFormat},
		{"truncated JKS", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0}, keystore.ErrBadPassword},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := keystore.Load(tc.data, "x", keystore.Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := keystore.Load([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "x", keystore.Options{}); err == nil {
		t.Fatal("garbage DER accepted")
	}
	if _, err := keystore.LoadFile(filepath.Join(t.TempDir(), "absent.jks"), "x", keystore.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent file: err = %v", err)
	}
}
