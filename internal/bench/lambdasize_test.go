package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretref/secretref/internal/testing/gocmd"
)

// lambdaHandlers are the main packages of lambda/: one handler written
// four ways, in the order the tables give them.
var lambdaHandlers = []string{"secretref", "prefetch", "sdk", "cachingclient"}

// lambdaBuild is a set of build tags a Go function is built with, and
// how many bytes secretref may add to the raw SDK's build of sdk bytes.
type lambdaBuild struct {
	name      string
	flags     []string
	maxGrowth func(sdk int64) int64
}

// lambdaBuilds are AWS's documented build for provided.al2023 and the same
// without net/rpc, which only the retired go1.x runtime used.
//
// With the default tags secretref may add 5% of the raw SDK's size. With
// lambda.norpc the target is 0.5 MB and not met (see BENCHMARKS.md,
// "Lambda cold start"): the limit holds the 0.59 MB it adds now, nine of
// the 64 KiB steps the file grows in, with no room, so that any growth
// fails until it is paid for. The regression the limits first guarded
// against, every exported method of the SDK's clients kept for net/rpc's
// reflection, added 3.5 MB.
var lambdaBuilds = []lambdaBuild{
	{name: "default tags", maxGrowth: func(sdk int64) int64 { return sdk * 5 / 100 }},
	{name: "-tags lambda.norpc", flags: []string{"-tags", "lambda.norpc"}, maxGrowth: func(int64) int64 { return 9 * 65536 }},
}

// buildHandlers builds every handler of lambda/ in one go command, with
// env added to its environment, and returns the executables' paths by
// handler name.
func buildHandlers(t *testing.T, env []string, flags ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	bench := filepath.Join(gocmd.Root(), "internal", "bench")
	if err := gocmd.BuildEnv(bench, dir+string(filepath.Separator), "./lambda/...", env, flags...); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, h := range lambdaHandlers {
		paths[h] = filepath.Join(dir, h)
	}
	return paths
}

// fileSize returns the size of the file at path, failing t if it has none.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// megabytes formats n bytes in MB of 10⁶ bytes, as Lambda's console and
// the tables of BENCHMARKS.md give sizes.
func megabytes(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// TestLambdaBinarySize builds the handler of lambda/ four ways as AWS
// documents a Go function for provided.al2023 on arm64 (GOOS=linux
// GOARCH=arm64 CGO_ENABLED=0, -ldflags='-s -w'), with the default tags and
// with lambda.norpc, logs the sizes, and fails if secretref makes the
// function more than maxGrowth larger than the raw SDK does: a size is the
// deployment package's, which Lambda downloads at every cold start. The
// go command builds the four handlers at once, and from the build cache
// after the first run.
func TestLambdaBinarySize(t *testing.T) {
	env := []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}
	sizes := make([]map[string]int64, len(lambdaBuilds))
	for i, b := range lambdaBuilds {
		paths := buildHandlers(t, env, append([]string{"-ldflags=-s -w"}, b.flags...)...)
		sizes[i] = map[string]int64{}
		for h, p := range paths {
			sizes[i][h] = fileSize(t, p)
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "linux/arm64, CGO_ENABLED=0, -ldflags='-s -w'\n%-14s", "handler")
	for _, b := range lambdaBuilds {
		fmt.Fprintf(&table, " | %-22s", b.name)
	}
	for _, h := range lambdaHandlers {
		fmt.Fprintf(&table, "\n%-14s", h)
		for i := range lambdaBuilds {
			sdk := sizes[i]["sdk"]
			fmt.Fprintf(&table, " | %d B (%+5.2f%%)", sizes[i][h], 100*float64(sizes[i][h]-sdk)/float64(sdk))
		}
	}
	t.Logf("sizes, against the raw SDK:\n%s", table.String())

	for i, b := range lambdaBuilds {
		sdk := sizes[i]["sdk"]
		for _, h := range []string{"secretref", "prefetch"} {
			if n, limit := sizes[i][h], b.maxGrowth(sdk); n > sdk+limit {
				t.Errorf("%s, %s: %s, %d B over the raw SDK's %s; at most %d B", h, b.name, megabytes(n), n-sdk, megabytes(sdk), limit)
			}
		}
	}
}
