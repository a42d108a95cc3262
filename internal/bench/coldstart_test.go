package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/gocmd"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/poll"
)

var coldStart = flag.Bool("coldstart", false, "run TestLambdaColdStart, which times cold starts of the handlers of lambda/ under the Lambda Runtime Interface Emulator (see BENCHMARKS.md)")

// coldStarts is how many cold starts of each handler the medians are of.
const coldStarts = 7

// Fake values the handlers read: they must appear in no output.
const (
	coldPassword = "cold-start-fake-password"
	coldAPIKey   = "cold-start-fake-api-key"
)

// coldRun is what one cold start of a handler measured.
type coldRun struct {
	init, first, warm time.Duration // seen at the Runtime API
	firstTrip         time.Duration // the first invocation's HTTP round trip: init included
	// What the emulator logs: its REPORT line's Init Duration, and its
	// runtime's INIT REPORT and first INVOKE RTDONE.
	reportInit, rapidInit, rapidFirst time.Duration
}

// TestLambdaColdStart times cold starts of the handler of lambda/, written
// four ways, under the AWS Lambda Runtime Interface Emulator against kumo,
// interleaving the handlers so that the machine's load falls on all
// alike, and logs the medians with the binaries' sizes, then the phases of
// a first read timed in fresh processes (lambdaphases). It measures and
// checks nothing: it runs only with -coldstart, without -race.
//
// The emulator starts the function at the first invocation, and its
// REPORT line's Init Duration is the time to hand the init to a
// goroutine, not the function's init, which its first Duration includes
// instead. So the times come from a proxy between the function and the
// emulator's Runtime API: init is from sending the first invocation to
// the function's first GET /runtime/invocation/next (exec of the bootstrap
// included, as in Lambda's Init Duration), an invocation from the event's
// delivery to the function's POST of the response.
func TestLambdaColdStart(t *testing.T) {
	if !*coldStart {
		t.Skip("a measurement, not a check: run go test -run TestLambdaColdStart -coldstart -v (BENCHMARKS.md, Lambda cold start)")
	}
	if raceEnabled {
		t.Skip("the race detector would slow the proxy that times the handlers: run without -race")
	}
	handlers := buildHandlers(t, nil, "-tags", "lambda.norpc", "-ldflags=-s -w")
	dir := t.TempDir()
	rie, phasesBin := filepath.Join(dir, "aws-lambda-rie"), filepath.Join(dir, "lambdaphases")
	if err := gocmd.Build(filepath.Join(gocmd.Root(), "internal", "testing", "tools"), rie, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"); err != nil {
		t.Fatal(err)
	}
	if err := gocmd.Build(filepath.Join(gocmd.Root(), "internal", "bench"), phasesBin, "./lambdaphases"); err != nil {
		t.Fatal(err)
	}
	envTool, err := exec.LookPath("env")
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	kumo := kumotest.Start(t)
	secret, err := kumo.SecretsManager(t).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("bench/lambda/db"),
		SecretString: aws.String(`{"username":"bench","password":"` + coldPassword + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	const param = "/bench/lambda/api-key"
	if _, err := kumo.SSM(t).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(param), Value: aws.String(coldAPIKey), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	env := append(exampletest.AWSEnv(t, kumo.URL),
		"DB_SECRET_ARN="+aws.ToString(secret.ARN),
		"API_KEY_PARAM="+param,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	)

	runs := map[string][]coldRun{}
	var phases []lambdaPhases
	for round := range coldStarts {
		// A different handler first in each round.
		order := append(slices.Clone(lambdaHandlers[round%len(lambdaHandlers):]), lambdaHandlers[:round%len(lambdaHandlers)]...)
		for _, h := range order {
			runs[h] = append(runs[h], coldStartOnce(t, rie, envTool, handlers[h], env))
		}
		phases = append(phases, runPhases(t, phasesBin, env))
	}

	var table strings.Builder
	fmt.Fprintf(&table, "medians of %d cold starts, ms\n", coldStarts)
	table.WriteString("| handler | binary | init | first invocation | init + first | warm invocation | first round trip | RIE INIT REPORT | RIE first INVOKE RTDONE | RIE REPORT Init Duration |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, h := range lambdaHandlers {
		r := runs[h]
		med := func(f func(coldRun) time.Duration) time.Duration { return median(r, f) }
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", h, megabytes(fileSize(t, handlers[h])),
			millis(med(func(c coldRun) time.Duration { return c.init })),
			millis(med(func(c coldRun) time.Duration { return c.first })),
			millis(med(func(c coldRun) time.Duration { return c.init + c.first })),
			millis(med(func(c coldRun) time.Duration { return c.warm })),
			millis(med(func(c coldRun) time.Duration { return c.firstTrip })),
			millis(med(func(c coldRun) time.Duration { return c.rapidInit })),
			millis(med(func(c coldRun) time.Duration { return c.rapidFirst })),
			millis(med(func(c coldRun) time.Duration { return c.reportInit })))
	}
	t.Logf("cold starts under the Runtime Interface Emulator, against kumo over loopback:\n%s", table.String())

	var steps strings.Builder
	fmt.Fprintf(&steps, "medians of %d fresh processes, ms\n| step | ms |\n|---|---:|\n", len(phases))
	for _, s := range []struct {
		name string
		f    func(lambdaPhases) float64
	}{
		{"config.LoadDefaultConfig", func(p lambdaPhases) float64 { return p.LoadConfig }},
		{"first GetSecretValue (new client, new connection)", func(p lambdaPhases) float64 { return p.FirstCall }},
		{"second GetSecretValue (same connection)", func(p lambdaPhases) float64 { return p.SecondCall }},
		{"x509.SystemCertPool, the first load", func(p lambdaPhases) float64 { return p.SystemRoots }},
		{"TLS 1.3 handshake over loopback, ECDSA P-256", func(p lambdaPhases) float64 { return p.TLSHandshake }},
	} {
		fmt.Fprintf(&steps, "| %s | %.2f |\n", s.name, median(phases, func(p lambdaPhases) time.Duration { return time.Duration(s.f(p) * float64(time.Millisecond)) }).Seconds()*1000)
	}
	t.Logf("the steps of a first read, in fresh processes (lambdaphases):\n%s", steps.String())
}

func millis(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()*1000) }

// median returns the median of f over xs.
func median[T any](xs []T, f func(T) time.Duration) time.Duration {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = f(x)
	}
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// The emulator's log lines that give durations.
var (
	reportInit = regexp.MustCompile(`REPORT RequestId: \S+\tInit Duration: ([0-9.]+) ms`)
	rapidInit  = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	rapidFirst = regexp.MustCompile(`INVOKE RTDONE\(status: success, produced bytes: \d+, duration: ([0-9.]+)ms\)`)
)

// coldStartOnce starts the emulator with the bootstrap bin, invokes it
// twice and stops it. The function reaches the emulator's Runtime API
// through a timing proxy: env (the program) sets AWS_LAMBDA_RUNTIME_API
// to the proxy's address over the emulator's.
func coldStartOnce(t *testing.T, rie, envTool, bin string, env []string) coldRun {
	t.Helper()
	addrs := exampletest.FreeAddrs(t, 2)
	invokeAddr, runtimeAddr := addrs[0], addrs[1]
	rp := newRuntimeProxy(t, runtimeAddr)
	defer rp.close()
	p := exampletest.Start(t, exampletest.Command{
		Path: rie,
		Args: []string{
			"--runtime-interface-emulator-address", invokeAddr,
			"--runtime-api-address", runtimeAddr,
			envTool, "AWS_LAMBDA_RUNTIME_API=" + rp.addr, bin,
		},
		Env:     env,
		Secrets: []string{coldPassword, coldAPIKey},
	})
	poll.Until(t, "the Runtime Interface Emulator to listen", func() bool {
		c, err := net.Dial("tcp", invokeAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	start := time.Now()
	invokeHandler(t, invokeAddr)
	firstTrip := time.Since(start)
	invokeHandler(t, invokeAddr)
	// The emulator exits with the signal's status: only its output matters.
	_ = p.Stop(t, syscall.SIGTERM, 10*time.Second)

	nexts, delivered, responses := rp.times()
	if len(nexts) < 2 || len(delivered) < 2 || len(responses) < 2 {
		t.Fatalf("the proxy saw %d /next requests, %d events delivered and %d responses; want 2 of each", len(nexts), len(delivered), len(responses))
	}
	run := coldRun{
		init:      nexts[0].Sub(start),
		first:     responses[0].Sub(delivered[0]),
		warm:      responses[1].Sub(delivered[1]),
		firstTrip: firstTrip,
	}
	out := p.Output()
	for _, l := range []struct {
		re *regexp.Regexp
		d  *time.Duration
	}{{reportInit, &run.reportInit}, {rapidInit, &run.rapidInit}, {rapidFirst, &run.rapidFirst}} {
		m := l.re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("the emulator's output has no line matching %s", l.re)
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		*l.d = time.Duration(f * float64(time.Millisecond))
	}
	return run
}

// invokeHandler invokes the function behind the emulator at addr with an
// empty event and fails t unless it answered with both values' lengths.
func invokeHandler(t *testing.T, addr string) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("invoking: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	exampletest.NoSecrets(t, "the response", string(body), coldPassword, coldAPIKey)
	var got struct {
		PasswordBytes int `json:"password_bytes"`
		APIKeyBytes   int `json:"api_key_bytes"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.PasswordBytes != len(coldPassword) || got.APIKeyBytes != len(coldAPIKey) {
		t.Fatalf("invocation answered HTTP %d: %s", resp.StatusCode, exampletest.Redact(string(body), coldPassword, coldAPIKey))
	}
}

// runtimeProxy stands between a function and the emulator's Runtime API
// and notes when the function asks for the next event, when the event is
// delivered, and when it posts its response.
type runtimeProxy struct {
	addr string
	srv  *httptest.Server

	mu                         sync.Mutex
	nexts, delivered, response []time.Time
}

func newRuntimeProxy(t *testing.T, target string) *runtimeProxy {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &runtimeProxy{}
	forward := httputil.NewSingleHostReverseProxy(u)
	// Closing the proxy cancels the function's last /next, which the
	// proxy would log as an error.
	forward.ErrorLog = log.New(io.Discard, "", 0)
	forward.ModifyResponse = func(resp *http.Response) error {
		// The event is in hand, not yet passed on: noted before the
		// function can have it.
		if strings.HasSuffix(resp.Request.URL.Path, "/invocation/next") {
			rp.note(&rp.delivered, time.Now())
		}
		return nil
	}
	rp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		switch {
		case strings.HasSuffix(r.URL.Path, "/invocation/next"):
			rp.note(&rp.nexts, now)
			forward.ServeHTTP(w, r)
		case strings.HasSuffix(r.URL.Path, "/response"):
			rp.note(&rp.response, now)
			forward.ServeHTTP(w, r)
		default:
			forward.ServeHTTP(w, r)
		}
	}))
	rp.addr = strings.TrimPrefix(rp.srv.URL, "http://")
	return rp
}

func (rp *runtimeProxy) note(times *[]time.Time, at time.Time) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	*times = append(*times, at)
}

func (rp *runtimeProxy) times() (nexts, delivered, responses []time.Time) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return slices.Clone(rp.nexts), slices.Clone(rp.delivered), slices.Clone(rp.response)
}

// close ends the function's waiting /next request with the proxy.
func (rp *runtimeProxy) close() {
	rp.srv.CloseClientConnections()
	rp.srv.Close()
}

// lambdaPhases is what lambdaphases prints, in milliseconds.
type lambdaPhases struct {
	LoadConfig   float64 `json:"load_config_ms"`
	FirstCall    float64 `json:"first_call_ms"`
	SecondCall   float64 `json:"second_call_ms"`
	SystemRoots  float64 `json:"system_roots_ms"`
	TLSHandshake float64 `json:"tls_handshake_ms"`
}

// runPhases runs lambdaphases once in env.
func runPhases(t *testing.T, bin string, env []string) lambdaPhases {
	t.Helper()
	out, code := exampletest.Run(t, exampletest.Command{Path: bin, Env: env, Secrets: []string{coldPassword, coldAPIKey}}, 30*time.Second)
	var p lambdaPhases
	if err := json.NewDecoder(bytes.NewReader([]byte(out))).Decode(&p); code != 0 || err != nil {
		t.Fatalf("lambdaphases exited %d (%v): %s", code, err, out)
	}
	return p
}
