// Package keystoretest makes key stores for tests by MidoNet's documented
// procedure: openssl genrsa → openssl req → openssl x509 → openssl pkcs12
// -export → keytool -importkeystore.
package keystoretest

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Password protects every store this package makes.
const Password = "s3cret-pass"

// Store is a key store made by the documented procedure.
type Store struct {
	Dir  string
	JKS  string // keytool's output (midonet.jks)
	P12  string // openssl's PKCS#12 (midonet.p12)
	Cert *x509.Certificate
	// Pool trusts Cert, for TLS clients.
	Pool *x509.CertPool
}

// RequireTools skips the test loudly when a tool is missing, and fails it
// when the CI environment variable is set.
func RequireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (required under CI): %v", tool, err)
			}
			t.Skipf("%s NOT INSTALLED, SKIPPING (install openssl and openjdk-17-jre-headless): %v", tool, err)
		}
	}
}

func run(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// Make runs the procedure in a temporary directory for a certificate valid
// for 127.0.0.1 and localhost. extraKeytool is appended to the keytool
// command (e.g. "-deststoretype", "JKS": Java 9+ keytool otherwise writes
// PKCS#12 into midonet.jks).
func Make(t testing.TB, extraKeytool ...string) Store {
	t.Helper()
	RequireTools(t, "openssl", "keytool")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "san.ext"), []byte("subjectAltName=IP:127.0.0.1,DNS:localhost\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "openssl", "genrsa", "-out", "midonet.key", "2048")
	run(t, dir, "openssl", "req", "-new", "-key", "midonet.key", "-out", "midonet.csr",
		"-subj", "/C=US/O=MidoNet test/CN=127.0.0.1")
	run(t, dir, "openssl", "x509", "-req", "-days", "365", "-in", "midonet.csr",
		"-signkey", "midonet.key", "-out", "midonet.crt", "-extfile", "san.ext")
	run(t, dir, "openssl", "pkcs12", "-export", "-in", "midonet.crt", "-inkey", "midonet.key",
		"-out", "midonet.p12", "-name", "midonet", "-passout", "pass:"+Password)
	args := append([]string{"-importkeystore", "-noprompt",
		"-srckeystore", "midonet.p12", "-srcstoretype", "PKCS12", "-srcstorepass", Password,
		"-destkeystore", "midonet.jks", "-deststorepass", Password, "-destkeypass", Password,
		"-alias", "midonet"}, extraKeytool...)
	run(t, dir, "keytool", args...)

	pemData, err := os.ReadFile(filepath.Join(dir, "midonet.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("openssl certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return Store{Dir: dir, JKS: filepath.Join(dir, "midonet.jks"), P12: filepath.Join(dir, "midonet.p12"),
		Cert: cert, Pool: pool}
}
