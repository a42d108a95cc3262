// Package kumotest starts kumo AWS emulator servers for tests, each in a
// process of its own on a free loopback port, and makes AWS configurations
// that point at them with static fake credentials.
package kumotest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/gocmd"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Region is the region of the emulated account.
const Region = "us-east-1"

// Account is the account id kumo puts in the ARNs it makes.
const Account = "000000000000"

// Fake static credentials: the emulator does not check them, and no real
// credential may appear in this repository.
const (
	accessKeyID     = "AKIAKUMOTESTFAKEKEY0"
	secretAccessKey = "kumo-test-fake-secret-access-key"
)

// Server is a running kumo process.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	// Region is the region it emulates: the one in the ARNs it makes.
	Region string
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Start builds the emulator (once per machine and version, through the Go
// build cache) and starts a fresh server that is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartIn(t, Region)
}

// StartIn is Start for a server of region: kumo takes its region from
// AWS_DEFAULT_REGION when it starts, so two servers are two regions.
func StartIn(t testing.TB, region string) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("kumotest: building the emulator: %v", err)
	}
	srv, stop, err := RunIn(bin, region)
	if err != nil {
		t.Fatalf("kumotest: %v", err)
	}
	t.Cleanup(stop)
	return srv
}

// Run starts a server from the emulator binary bin and returns it with the
// function that stops it.
func Run(bin string) (*Server, func(), error) { return RunIn(bin, Region) }

// RunIn is Run for a server of region.
func RunIn(bin, region string) (*Server, func(), error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION="+region)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	stop := func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case url := <-lines:
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			stop()
			return nil, nil, fmt.Errorf("emulator printed %q, not its URL", url)
		}
		return &Server{URL: url, Region: region}, stop, nil
	case <-time.After(30 * time.Second):
		stop()
		return nil, nil, fmt.Errorf("emulator did not start within 30s")
	}
}

// Binary returns the path of the emulator binary, building it if this
// machine has not built this version yet.
func Binary() (string, error) {
	buildOnce.Do(func() { binary, buildErr = build() })
	return binary, buildErr
}

func build() (string, error) {
	root := gocmd.Root()
	h := sha256.New()
	for _, f := range []string{"go.sum", "internal/testing/kumoserver/main.go"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	bin := filepath.Join(os.TempDir(), "secretref-kumoserver-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	if err := gocmd.Build(root, tmp, "./internal/testing/kumoserver"); err != nil {
		return "", err
	}
	// Rename is atomic: packages testing in parallel may build at once.
	return bin, os.Rename(tmp, bin)
}

// Config returns an AWS configuration for s with static fake credentials,
// ignoring the machine's shared AWS config files. optFns adjust the loading
// (config.WithRetryMaxAttempts(1), say, for fault tests).
func (s *Server) Config(t testing.TB, optFns ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	return s.ConfigWithEndpoint(t, s.URL, optFns...)
}

// ConfigWithEndpoint is Config with another endpoint (a proxy in front of s).
func (s *Server) ConfigWithEndpoint(t testing.TB, endpoint string, optFns ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	cfg, err := LoadConfig(endpoint, append([]func(*config.LoadOptions) error{config.WithRegion(s.region())}, optFns...)...)
	if err != nil {
		t.Fatalf("kumotest: loading the AWS configuration: %v", err)
	}
	return cfg
}

// LoadConfig returns an AWS configuration for an emulator at endpoint.
func LoadConfig(endpoint string, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	}, optFns...)
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	// Replaced after loading: with AWS_CA_BUNDLE set, the SDK refuses a
	// plain *http.Client passed to config.WithHTTPClient.
	cfg.HTTPClient = awshttp.NewBuildableClient()
	return cfg, nil
}

func (s *Server) region() string {
	if s.Region == "" {
		return Region
	}
	return s.Region
}

// SecretsManager returns a Secrets Manager client for seeding s.
func (s *Server) SecretsManager(t testing.TB) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(s.Config(t))
}

// SSM returns a Parameter Store client for seeding s.
func (s *Server) SSM(t testing.TB) *ssm.Client {
	return ssm.NewFromConfig(s.Config(t))
}

// SecretARN returns the ARN kumo gives the secret name without its random
// suffix: a partial ARN, which Secrets Manager accepts.
func SecretARN(name string) string {
	return "arn:aws:secretsmanager:" + Region + ":" + Account + ":secret:" + name
}
