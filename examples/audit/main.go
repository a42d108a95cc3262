// Command audit reports the environment variables of ECS task definitions,
// Lambda function configurations and CloudFormation or SAM templates, and
// the values in ECS containers' commands, that look like plaintext
// secrets, and what to put in their place: a reference to a Secrets
// Manager secret and the statements the role needs to read it, or for an
// ECS container the secrets entry, by full ARN, and the execution role's
// statement. It never prints a value.
//
//	go run ./examples/audit [-json] [-region R] [-account A] FILE|DIR...
//
// A directory is searched for .json, .yaml, .yml and .template files, and
// those of no kind audit reads are skipped; a file named on the command
// line must be of one. It exits with 1 when it finds something, so that it
// can gate a CI pipeline, and with 2 when a file cannot be read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/secretref/secretref/secrets/audit"
)

// maxFileSize bounds what is read of one file.
const maxFileSize = 16 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("audit", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "write JSON instead of text")
	var opts audit.Options
	fl.StringVar(&opts.Region, "region", "", "region of proposed secrets, for documents that do not say")
	fl.StringVar(&opts.Account, "account", "", "account of proposed secrets, for documents that do not say")
	fl.StringVar(&opts.Partition, "partition", "", "partition of proposed secrets (default: the region's)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: audit [-json] [-region R] [-account A] FILE|DIR...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	var reports []*audit.Report
	failed := false
	for _, arg := range fl.Args() {
		rs, err := scanArg(arg, opts)
		reports = append(reports, rs...)
		if err != nil {
			fmt.Fprintln(stderr, err)
			failed = true
		}
	}
	write := audit.WriteText
	if *asJSON {
		write = audit.WriteJSON
	}
	if err := write(stdout, reports...); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	switch {
	case failed:
		return 2
	case hasFindings(reports):
		return 1
	}
	return 0
}

// scanArg scans a file, or the documents in a directory.
func scanArg(arg string, opts audit.Options) ([]*audit.Report, error) {
	info, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		r, err := scanFile(arg, opts)
		if err != nil {
			return nil, err
		}
		return []*audit.Report{r}, nil
	}
	var reports []*audit.Report
	var errs []error
	err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isDocument(path) {
			return nil
		}
		r, err := scanFile(path, opts)
		switch {
		case errors.Is(err, audit.ErrUnrecognized):
			// A policy, a package.json: not a document audit reads.
		case err != nil:
			errs = append(errs, err)
		default:
			reports = append(reports, r)
		}
		return nil
	})
	return reports, errors.Join(append(errs, err)...)
}

func isDocument(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".yaml", ".yml", ".template":
		return true
	}
	return false
}

func scanFile(path string, opts audit.Options) (*audit.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxFileSize>>20)
	}
	return audit.Scan(filepath.ToSlash(path), data, opts)
}

func hasFindings(reports []*audit.Report) bool {
	for _, r := range reports {
		if len(r.Findings) > 0 {
			return true
		}
	}
	return false
}
