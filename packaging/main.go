// Command packaging builds the Debian packages midonet-cluster and
// midonet-tools from this repository, with nfpm (as a library) and the
// configurations beside this file:
//
//	go run ./packaging [-version 5.4.1] [-out dist]
//
// It builds the three commands with the release version stamped in
// (-ldflags -X; "--version" prints it), generates their man pages and bash,
// zsh and fish completions from their cobra definitions, and writes
// <out>/midonet-cluster_<version>_<arch>.deb and midonet-tools_... . Without
// -version the version comes from the latest v* git tag (git describe), else
// 0.0.0~git<date>.<commit>.
//
// The package install test (install_test.go) builds, installs, runs, upgrades
// and purges the packages on this machine: it runs as root under CI=true or
// MIDONET_PACKAGE_INSTALL_TEST=1 only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("packaging", flag.ExitOnError)
	version := fs.String("version", "", "package version (default: from the latest v* git tag, else 0.0.0~git<date>.<commit>)")
	out := fs.String("out", "dist", "directory the .deb files are written to")
	_ = fs.Parse(os.Args[1:])
	repo, err := repoRoot(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
	if *version == "" {
		if *version, err = gitVersion(ctx, repo); err != nil {
			fmt.Fprintln(os.Stderr, "packaging:", err)
			os.Exit(1)
		}
	}
	debs, err := buildPackages(ctx, repo, *version, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
	for _, d := range debs {
		fmt.Println(d)
	}
}
