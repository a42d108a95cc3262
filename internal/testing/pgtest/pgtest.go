// Package pgtest runs a real PostgreSQL 15 server for tests: a cluster made
// with initdb in a temporary directory, password (scram-sha-256)
// authentication on loopback, with or without TLS (a certificate signed by
// an authority of the test's own, CAFile), the postmaster on a free
// loopback port below the kernel's ephemeral range, stopped and removed
// when the test ends.
//
// Without the server binaries (Debian package postgresql-15) a test that
// calls Start is skipped, with a message naming the package; with
// SECRETREF_REQUIRE_POSTGRES=1 in the environment it fails instead, so that
// CI cannot pass by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secretref/secretref/internal/testing/syncbuf"
)

// BinDir holds the server binaries of Debian's postgresql-15 package.
const BinDir = "/usr/lib/postgresql/15/bin"

// Package is the Debian package that installs BinDir.
const Package = "postgresql-15"

// RequireEnv names the environment variable that, set to 1, turns a
// missing PostgreSQL into a test failure instead of a skip.
const RequireEnv = "SECRETREF_REQUIRE_POSTGRES"

// Superuser is the cluster's superuser role.
const Superuser = "postgres"

// Database is the database every role may connect to.
const Database = "postgres"

// IAMRole is the group whose members may log in over TLS only, sending
// their password in clear inside it, as RDS's rds_iam group's members do
// with their tokens: the tests of IAM authentication make their roles
// members (GrantIAM).
const IAMRole = "rds_iam"

// startTimeout bounds how long a server may take to accept connections; a
// busy machine is slow, a broken server does not answer at all.
const startTimeout = 60 * time.Second

// sessionTimeout bounds how long a session that logged out may still be
// listed: its server process exits after the client has gone.
const sessionTimeout = 30 * time.Second

// waitDelay bounds how long the postmaster's output may stay open after it
// exited: a server process it leaves behind holds it.
const waitDelay = 10 * time.Second

// Server is a running PostgreSQL server.
type Server struct {
	// Host is the loopback address the server listens on.
	Host string
	// Port is the server's port, chosen free at start.
	Port uint16
	// CAFile is the certificate of the authority that signed the server's
	// TLS certificate, for sslrootcert: the server accepts TLS, and
	// requires it of the members of IAMRole.
	CAFile string

	dir       string // cluster and socket directory, removed at cleanup
	data      string
	password  string // the superuser's password, generated
	cred      *syscall.Credential
	log       syncbuf.Buffer
	proc      *exec.Cmd
	exited    chan struct{}
	stoppedOK bool
}

// Start creates a cluster and starts a server on it, stopped and removed
// when t ends. It skips t when PostgreSQL is not installed, unless
// RequireEnv is set.
func Start(t testing.TB) *Server {
	t.Helper()
	cred := requireServer(t)
	s := &Server{Host: "127.0.0.1", cred: cred, password: randomHex(16)}
	var err error
	if s.dir, err = os.MkdirTemp("", "secretref-pgtest-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(s.dir) })
	s.data = filepath.Join(s.dir, "data")
	if err := s.initdb(); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, s.log.String())
	}
	if err := s.makeTLS(); err != nil {
		t.Fatalf("pgtest: TLS set-up: %v", err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("PostgreSQL log:\n%s", s.log.String())
		}
	})
	for attempt := 0; ; attempt++ {
		s.Port = port(t)
		err := s.start()
		if err == nil {
			s.createIAMRole(t)
			return s
		}
		// Another process may have taken the port between the check and
		// the postmaster's bind.
		if attempt == 2 || !strings.Contains(s.log.String(), "could not bind") {
			t.Fatalf("pgtest: %v", err)
		}
	}
}

// requireServer skips or fails t when no server can be run, and returns
// the credential to run it with: the postgres OS user's when the test runs
// as root, whom initdb and postgres refuse.
func requireServer(t testing.TB) *syscall.Credential {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("pgtest: %s (%s=1 requires PostgreSQL)", msg, RequireEnv)
		}
		t.Skipf("pgtest: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(BinDir, "initdb")); err != nil {
		missing("PostgreSQL 15 is not installed (no %s/initdb); install the Debian package %s", BinDir, Package)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		missing("running as root, and there is no postgres OS user to run the server as (the Debian package %s creates it)", Package)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// initdb makes the cluster, with scram-sha-256 on loopback and no other
// way in.
func (s *Server) initdb() error {
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		return err
	}
	if err := s.own(s.dir, pwfile); err != nil {
		return err
	}
	cmd := s.command("initdb", "-D", s.data, "-U", Superuser, "--pwfile="+pwfile,
		"--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if err := os.Remove(pwfile); err != nil {
		return err
	}
	hba := filepath.Join(s.data, "pg_hba.conf")
	// IAMRole's members log in as RDS's rds_iam members do: over TLS
	// only, with the password (the token) sent in clear inside TLS.
	const rules = "# pgtest: password authentication on loopback only; for IAMRole's members, over TLS only\n" +
		"hostnossl all +" + IAMRole + " 127.0.0.1/32 reject\n" +
		"hostssl all +" + IAMRole + " 127.0.0.1/32 password\n" +
		"host all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(hba, []byte(rules), 0o600); err != nil {
		return err
	}
	return s.own(hba)
}

// own gives paths to the user the server runs as.
func (s *Server) own(paths ...string) error {
	if s.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C", "LC_ALL=C"}
	cmd.Stdout = &s.log
	cmd.Stderr = &s.log
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// start runs the postmaster on s.Port and waits until it accepts a
// connection.
func (s *Server) start() error {
	s.proc = s.command("postgres", "-D", s.data,
		"-c", "listen_addresses="+s.Host,
		"-c", "port="+strconv.Itoa(int(s.Port)),
		"-c", "unix_socket_directories="+s.dir,
		"-c", "max_connections=200",
		"-c", "ssl=on", "-c", "ssl_cert_file="+filepath.Join(s.dir, certFile), "-c", "ssl_key_file="+filepath.Join(s.dir, keyFile),
		// A test cluster is thrown away: durability only costs time.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		// A failed ALTER ROLE ... PASSWORD would otherwise be logged with
		// its password.
		"-c", "log_min_error_statement=panic",
	)
	s.proc.WaitDelay = waitDelay
	if err := s.proc.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.proc, s.exited)

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, s.DSN(Superuser, s.password))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited before accepting connections")
		case <-ctx.Done():
			s.stop()
			return fmt.Errorf("postgres did not accept connections within %v: %w", startTimeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown: sessions are disconnected)
// and waits until it has exited. Resume starts it again.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if !s.stop() {
		t.Fatal("pgtest: postgres did not exit cleanly")
	}
}

// stop ends the postmaster, by SIGINT and then, if it lingers, SIGKILL.
// It reports whether the server shut down by itself.
func (s *Server) stop() bool {
	if s.proc == nil {
		return s.stoppedOK
	}
	_ = s.proc.Process.Signal(syscall.SIGINT)
	s.stoppedOK = true
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.proc.Process.Kill()
		<-s.exited
		s.stoppedOK = false
	}
	s.proc = nil
	return s.stoppedOK
}

// Resume starts a stopped server again, on the same port and cluster.
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	if s.proc != nil {
		t.Fatal("pgtest: Resume of a running server")
	}
	if err := s.start(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// DSN returns a connection string for user with password. It holds the
// password: never print it.
func (s *Server) DSN(user, password string) string {
	return fmt.Sprintf("host=%s port=%d dbname=%s user=%s password=%s sslmode=disable connect_timeout=30",
		s.Host, s.Port, Database, quote(user), quote(password))
}

// TLSDSN is DSN over TLS, the server verified against CAFile.
func (s *Server) TLSDSN(user, password string) string {
	return fmt.Sprintf("host=%s port=%d dbname=%s user=%s password=%s sslmode=verify-full sslrootcert=%s connect_timeout=30",
		s.Host, s.Port, Database, quote(user), quote(password), quote(s.CAFile))
}

// Admin returns a connection as the superuser, closed when t ends.
func (s *Server) Admin(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN(Superuser, s.password))
	if err != nil {
		t.Fatalf("pgtest: connecting as %s: %v", Superuser, err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	return conn
}

// CreateRole creates a role that may log in with password.
func (s *Server) CreateRole(t testing.TB, admin *pgx.Conn, role, password string) {
	t.Helper()
	s.exec(t, admin, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN PASSWORD "+literal(password))
}

// SetPassword changes role's password, as a rotation function's setSecret
// step does. Sessions already open stay open.
func (s *Server) SetPassword(t testing.TB, admin *pgx.Conn, role, password string) {
	t.Helper()
	s.exec(t, admin, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" PASSWORD "+literal(password))
}

// exec runs a statement that may hold a password: its failure is reported
// without the statement.
func (s *Server) exec(t testing.TB, admin *pgx.Conn, sql string) {
	t.Helper()
	if _, err := admin.Exec(context.Background(), sql); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// AwaitSessions waits until role has n sessions open, failing t after
// sessionTimeout. A session the client closed is listed until its server
// process has exited, which it does after the client has gone: a test that
// closed connections waits for that here instead of counting at once.
func (s *Server) AwaitSessions(t testing.TB, admin *pgx.Conn, role string, n int) {
	t.Helper()
	deadline := time.Now().Add(sessionTimeout)
	for {
		got := s.Sessions(t, admin, role)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: %s has %d sessions after %v, want %d", role, got, sessionTimeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// createIAMRole creates IAMRole on a new cluster.
func (s *Server) createIAMRole(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, s.DSN(Superuser, s.password))
	if err != nil {
		t.Fatalf("pgtest: connecting as %s: %v", Superuser, err)
	}
	defer admin.Close(ctx)
	s.exec(t, admin, "CREATE ROLE "+IAMRole+" NOLOGIN")
}

// GrantIAM makes role a member of IAMRole, as GRANT rds_iam does on RDS:
// it may then log in over TLS only.
func (s *Server) GrantIAM(t testing.TB, admin *pgx.Conn, role string) {
	t.Helper()
	s.exec(t, admin, "GRANT "+IAMRole+" TO "+pgx.Identifier{role}.Sanitize())
}

// SetPasswordUntil changes role's password to one accepted at login until
// valid, as an authority that plays IAM authentication does with each
// token; sessions already open stay open after valid. It may be called
// from any goroutine (not at once on one admin connection); its error does
// not hold the password.
func SetPasswordUntil(ctx context.Context, admin *pgx.Conn, role, password string, valid time.Time) error {
	_, err := admin.Exec(ctx, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" PASSWORD "+literal(password)+
		" VALID UNTIL "+literal(valid.UTC().Format("2006-01-02 15:04:05.999999Z07:00")))
	if err != nil {
		return fmt.Errorf("pgtest: setting the password of %s: %w", role, err)
	}
	return nil
}

// PlainSessions returns how many of role's sessions do not use TLS.
func (s *Server) PlainSessions(t testing.TB, admin *pgx.Conn, role string) int {
	t.Helper()
	var n int
	err := admin.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl l USING (pid) WHERE a.usename = $1 AND NOT l.ssl", role).Scan(&n)
	if err != nil {
		t.Fatalf("pgtest: counting the sessions of %s without TLS: %v", role, err)
	}
	return n
}

// Sessions returns how many sessions role has open.
func (s *Server) Sessions(t testing.TB, admin *pgx.Conn, role string) int {
	t.Helper()
	var n int
	err := admin.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role).Scan(&n)
	if err != nil {
		t.Fatalf("pgtest: counting the sessions of %s: %v", role, err)
	}
	return n
}

// Login connects as user with password, runs a query and disconnects, as
// a rotation function's testSecret step does.
func (s *Server) Login(ctx context.Context, user, password string) error {
	conn, err := pgx.Connect(ctx, s.DSN(user, password))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// quote quotes a connection string value.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// literal quotes an SQL string literal (standard_conforming_strings is on).
func literal(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// RandomPassword returns a new password.
func RandomPassword() string { return randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
