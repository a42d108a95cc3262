package exampletest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secretref/secretref/internal/testing/freeport"
	"github.com/secretref/secretref/internal/testing/kumotest"
)

// Fake static credentials: the emulator does not check them, and no real
// credential may reach a program under test.
const (
	accessKeyID     = "test-access-key-id"
	secretAccessKey = "test-secret-access-key"
)

// AWSEnv returns the environment of a program that calls the AWS endpoint
// at endpoint with fake static credentials in kumotest.Region. Nothing of
// the machine's own AWS set-up reaches it: its shared configuration and
// credentials files do not exist, and its home is an empty directory.
func AWSEnv(t testing.TB, endpoint string) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + kumotest.Region,
		"AWS_ACCESS_KEY_ID=" + accessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + secretAccessKey,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
	}
}

// FreeAddr returns a loopback address whose port was free when asked, for
// a program that takes its listening address as an argument.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return freeport.Addr(t)
}
