package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
)

// packages are the nfpm configurations beside this file, one per package.
var packages = []string{"midonet-tools", "midonet-cluster"}

// commandNames are the binaries the packages install, all from ./cmd.
var commandNames = []string{"midonet-cluster", "mn-conf", "midonet-check"}

// epoch is the packages' version epoch, the JVM packages' own (2), set in
// the nfpm configurations too.
const epoch = "2"

// buildPackages builds the commands, their documentation and the two .deb
// files of version under outDir, and returns the files' paths.
func buildPackages(ctx context.Context, repo, version, outDir string) ([]string, error) {
	if !debVersion.MatchString(version) {
		return nil, fmt.Errorf("version %q is not a Debian upstream version (digits first; letters, digits, . + ~ -)", version)
	}
	stage, err := os.MkdirTemp("", "midonet-packaging-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	for _, name := range commandNames {
		// PIE: hardened, and what Debian (and lintian) expect of a binary
		// without shared libraries.
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=true", "-buildmode=pie",
			"-ldflags", "-s -w -X github.com/midonet/midonet-go/internal/version.stamped="+version,
			"-o", filepath.Join(stage, "bin", name), "./cmd/"+name)
		build.Dir = repo
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", name, err, out)
		}
	}
	date, commit := commitDate(ctx, repo)
	if err := writeDocs(stage, version, date); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	vars := map[string]string{"VERSION": version, "RELEASE": release, "FULL_VERSION": epoch + ":" + version + "-" + release, "ARCH": runtime.GOARCH,
		"STAGE": stage, "DEB": filepath.Join(repo, "packaging", "deb")}
	var debs []string
	for _, name := range packages {
		if err := writeChangelog(filepath.Join(stage, "changelog", name+".Debian.gz"), name, version, date, commit); err != nil {
			return nil, err
		}
		file, err := packageOne(filepath.Join(repo, "packaging", name+".yaml"), vars, date, outDir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		debs = append(debs, file)
	}
	return debs, nil
}

// debVersion is what dpkg accepts as an upstream version.
var debVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)

// packageOne writes the .deb of one nfpm configuration.
func packageOne(config string, vars map[string]string, date time.Time, outDir string) (string, error) {
	cfg, err := nfpm.ParseFileWithEnvMapping(config, func(k string) string { return vars[k] })
	if err != nil {
		return "", err
	}
	info, err := cfg.Get("deb")
	if err != nil {
		return "", err
	}
	info.MTime = date
	// nfpm expands variables in contents, not in script paths.
	for _, script := range []*string{&info.Scripts.PreInstall, &info.Scripts.PostInstall, &info.Scripts.PreRemove,
		&info.Scripts.PostRemove} {
		if *script != "" && !filepath.IsAbs(*script) {
			*script = filepath.Join(filepath.Dir(config), *script)
		}
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.Validate(info); err != nil {
		return "", err
	}
	target := filepath.Join(outDir, deb.Default.ConventionalFileName(info))
	f, err := os.Create(target)
	if err != nil {
		return "", err
	}
	info.Target = target
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		os.Remove(target)
		return "", err
	}
	return target, f.Close()
}

// release is the Debian revision of every package built from a version.
const release = "1"

// writeChangelog writes the package's one-entry Debian changelog, gzipped
// without a time stamp in the header.
func writeChangelog(file, pkg, version string, date time.Time, commit string) error {
	note := "Build of midonet-go"
	if commit != "" {
		note += " at commit " + commit
	}
	text := fmt.Sprintf("%s (%s:%s-%s) unstable; urgency=medium\n\n  * %s.\n\n -- %s  %s\n",
		pkg, epoch, version, release, note, maintainer, date.UTC().Format(time.RFC1123Z))
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write([]byte(text)); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, gz.Bytes(), 0o644)
}

// maintainer is the packages' Maintainer field, as in their configurations.
const maintainer = "midonet-go <midonet-go@users.noreply.github.com>"

// repoRoot is the top of the git work tree holding the working directory.
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module's directory: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// gitVersion is the version of the latest v* tag (v5.4.1 → 5.4.1, and
// 5.4.1+git3.abcdef1 three commits after it), else 0.0.0~git<date>.<commit>.
func gitVersion(ctx context.Context, repo string) (string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out)), nil
	}
	if desc, err := git("describe", "--tags", "--match", "v[0-9]*", "--long"); err == nil {
		// v5.4.1-3-gabcdef1
		parts := strings.Split(strings.TrimPrefix(desc, "v"), "-")
		if n := len(parts); n >= 3 {
			base, count, hash := strings.Join(parts[:n-2], "~"), parts[n-2], strings.TrimPrefix(parts[n-1], "g")
			if count == "0" {
				return base, nil
			}
			return fmt.Sprintf("%s+git%s.%s", base, count, hash), nil
		}
	}
	stamp, err := git("log", "-1", "--date=format:%Y%m%d%H%M%S", "--format=%cd.%h")
	if err != nil {
		return "", err
	}
	return "0.0.0~git" + stamp, nil
}

// commitDate is the HEAD commit's time and hash (reproducible package
// dates); now and "" outside a git work tree.
func commitDate(ctx context.Context, repo string) (time.Time, string) {
	cmd := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct %H")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		return time.Now().UTC().Truncate(time.Second), ""
	}
	var sec int64
	var hash string
	if _, err := fmt.Sscanf(string(out), "%d %s", &sec, &hash); err != nil {
		return time.Now().UTC().Truncate(time.Second), ""
	}
	return time.Unix(sec, 0).UTC(), hash
}
