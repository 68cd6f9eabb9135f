package keystore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/midonet/midonet-go/restapi/keystore"
	"github.com/midonet/midonet-go/restapi/keystore/keystoretest"
)

type Store = keystoretest.Store

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
			s := keystoretest.Make(t, tc.keytool...)
			path := tc.file(s)
			if got := keystore.Detect(mustRead(t, path)); got != tc.wantFormat {
				t.Fatalf("Detect = %v, want %v", got, tc.wantFormat)
			}
			cert, err := keystore.LoadFile(path, keystoretest.Password, keystore.Options{})
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
	s := keystoretest.Make(t, "-deststoretype", "JKS")
	if _, err := keystore.LoadFile(s.JKS, keystoretest.Password, keystore.Options{Alias: "MidoNet"}); err != nil {
		t.Fatalf("alias is case-insensitive in JKS: %v", err)
	}
	_, err := keystore.LoadFile(s.JKS, keystoretest.Password, keystore.Options{Alias: "other"})
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
