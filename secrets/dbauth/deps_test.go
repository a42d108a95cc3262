package dbauth_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/secretref/secretref/internal/testing/gocmd"
)

// A program that uses dbauth without a driver package compiles no driver.
func TestNoDriverCompiledIn(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./secrets/dbauth")
	cmd.Dir = gocmd.Root()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, driver := range []string{"github.com/jackc/", "github.com/lib/pq", "github.com/go-sql-driver/"} {
		if strings.Contains(string(out), driver) {
			t.Errorf("secrets/dbauth depends on %s", driver)
		}
	}
}
