package dbauth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secretref/secretref/secrets"
)

// DefaultRotationWindow is how long, by default, a connection attempt whose
// credentials the database rejects keeps looking for the rotated ones: more
// than a rotation function takes from its setSecret step to finishSecret.
const DefaultRotationWindow = time.Minute

// Waits between the rounds of a rejected connection attempt: the first
// one, doubled each round up to the last; each is drawn between half and
// all of that.
const (
	firstWait = 100 * time.Millisecond
	maxWait   = time.Second
)

// pendingInterval is the least time between a failed read of the pending
// version and the next.
const pendingInterval = time.Second

// syncTimeout bounds the reads a watch notification makes.
const syncTimeout = 30 * time.Second

// Options configures an Auth. A zero field takes the default given with it.
type Options struct {
	// RotationWindow bounds how long a connection attempt whose
	// credentials are rejected keeps trying the refreshed and pending
	// ones, whatever its context allows, and how long after the current
	// version changed a rotation is taken to be under way. An attempt
	// fails at once when none can be. Default DefaultRotationWindow.
	RotationWindow time.Duration
	// IsAuthFailure recognises a driver's error for rejected credentials.
	// Default IsAuthFailure (PostgreSQL SQLSTATE 28P01 and 28000); for
	// MySQL use mysqlauth.IsAuthFailure.
	IsAuthFailure func(error) bool
	// Logger is told when the credentials new connections use change: the
	// reference, the version and why, never a value. Default: none.
	Logger *slog.Logger
}

// Auth gives database connections their credentials, read through a
// Client, and finds the rotated ones when the database rejects them. One
// Auth serves any number of connectors of one database; it is safe for
// concurrent use.
type Auth struct {
	client   *secrets.Client
	refs     [numFields]string
	used     []int   // the positions of refs that are set
	rotating int     // position in refs of the reference holding the password
	pending  string  // that reference at its provider's pending stage; "" when it has none
	ref      string  // what errors name: the reference that rotates, or the IAM token's user and endpoint
	iam      *tokens // IAM authentication: the tokens; nil with a password
	opts     Options

	// memo is the last decoding of the Client's current values.
	memo atomic.Pointer[memo]
	// state is what new connections use.
	state atomic.Pointer[state]
	// recoveries counts the recoveries started; a connection attempt
	// notes it before dialling (see recover).
	recoveries atomic.Uint64
	// changedAt is when the current credentials last changed (Unix
	// nanoseconds; 0: not since they were first read).
	changedAt atomic.Int64

	pendingMu   sync.Mutex
	lastPending *pendingRead

	mu        sync.Mutex
	recovery  *recovery // in flight, or the last one done
	listeners map[*Connector]struct{}
	stopWatch func()
}

// cred is one set of credentials, decoded once and shared by pointer.
type cred struct {
	Credentials
	pending bool   // read from the pending version
	token   *token // the IAM token in Password; nil for a password
}

// pendingRead is the result of a read of the pending version.
type pendingRead struct {
	at  time.Time
	v   secrets.Value
	err error
}

type memo struct {
	vals values
	k    *cred
}

// state is the credentials new connections use: basis, which the Client's
// current values give, or the pending ones the database accepted while it
// rejected basis.
type state struct {
	basis  *cred
	active *cred
}

// New returns an Auth for the credentials src names. It watches the
// reference that holds the password, which makes the Client fetch it at
// once, in the background, and again each TTL, so that connections opened
// with replaced credentials are retired; Close stops that. The first
// connection reads the other references, and waits for that fetch if it
// has not answered yet. A reference New cannot parse is an error at once.
func New(c *secrets.Client, src Source, optFns ...func(*Options)) (*Auth, error) {
	a := &Auth{client: c, refs: src.refs(), listeners: map[*Connector]struct{}{}}
	for _, fn := range optFns {
		fn(&a.opts)
	}
	if a.opts.RotationWindow <= 0 {
		a.opts.RotationWindow = DefaultRotationWindow
	}
	if a.opts.IsAuthFailure == nil {
		a.opts.IsAuthFailure = IsAuthFailure
	}
	for i, ref := range a.refs {
		if ref != "" {
			a.used = append(a.used, i)
		}
	}
	if src.IAM != nil {
		return a, a.initIAM(src)
	}
	if c == nil {
		return nil, fmt.Errorf("dbauth: %w: nil Client", secrets.ErrInvalidArgument)
	}
	switch {
	case src.Password != "":
		a.rotating = fieldPassword
	case src.Secret != "":
		a.rotating = fieldSecret
	default:
		return nil, fmt.Errorf("dbauth: %w: a Source needs a Secret or a Password reference, or IAM", secrets.ErrInvalidArgument)
	}
	a.ref = a.refs[a.rotating]
	var err error
	if a.pending, err = c.PendingRef(a.refs[a.rotating]); err != nil {
		return nil, err
	}
	if a.stopWatch, err = c.Watch(a.refs[a.rotating], func(secrets.Value) { a.sync() }); err != nil {
		return nil, err
	}
	return a, nil
}

// Close stops watching the reference that holds the password. Connections
// keep being given credentials.
func (a *Auth) Close() error {
	if a.stopWatch != nil {
		a.stopWatch()
	}
	return nil
}

// Ref returns the reference that holds the password, which errors name;
// with IAM authentication, "iam:rds-db:USER@HOST:PORT" (or iam:dsql:...).
func (a *Auth) Ref() string { return a.ref }

// IAM reports whether connections log in with IAM authentication tokens,
// which the database accepts over TLS only.
func (a *Auth) IAM() bool { return a.iam != nil }

// Credentials returns the credentials a new connection should use now: the
// Client's current ones, or the pending ones the database accepted while it
// rejected those; with IAM authentication, a token that is valid in
// Password. With cached values (and a token that is not near its end) it
// makes no backend call and does not allocate.
func (a *Auth) Credentials(ctx context.Context) (Credentials, error) {
	k, err := a.first(ctx)
	if err != nil {
		return Credentials{}, err
	}
	return k.Credentials, nil
}

// Retired reports whether a connection opened with c should be closed once
// idle: c logs in otherwise than the credentials new connections use now,
// in a field those give. Connections opened before any credentials were
// read are not retired.
func (a *Auth) Retired(c Credentials) bool {
	st := a.state.Load()
	if st == nil {
		return false
	}
	k := st.active.Credentials
	differs := func(given, other string) bool { return given != "" && given != other }
	return a.iam == nil && k.Password != c.Password || differs(k.Username, c.Username) || differs(k.Host, c.Host) ||
		differs(k.DBName, c.DBName) || k.Port != 0 && k.Port != c.Port
}

// retired is Retired for a connection a Connector opened.
func (a *Auth) retired(k *cred) bool {
	st := a.state.Load()
	return st != nil && st.active != k && !a.sameSession(st.active.Credentials, k.Credentials)
}

// sameSession reports whether x and y log in the same way, IAM tokens
// aside: a connection opened with an older token is not retired.
func (a *Auth) sameSession(x, y Credentials) bool {
	if a.iam != nil {
		x.Password, y.Password = "", ""
	}
	return sameLogin(x, y)
}

// first returns the credentials to try first.
func (a *Auth) first(ctx context.Context) (*cred, error) {
	k, err := a.current(ctx)
	if err != nil || a.iam == nil {
		return k, err
	}
	k, _, err = a.iam.attach(ctx, k, nil)
	return k, err
}

// current returns the credentials new connections use, without a token.
func (a *Auth) current(ctx context.Context) (*cred, error) {
	var vals values
	if err := a.read(ctx, &vals); err != nil {
		return nil, err
	}
	k, err := a.decode(&vals)
	if err != nil {
		return nil, err
	}
	if st := a.state.Load(); st != nil && st.basis == k {
		return st.active, nil
	}
	return a.rebase(k), nil
}

// read reads every reference of the Source through the Client's cache.
func (a *Auth) read(ctx context.Context, vals *values) error {
	for _, i := range a.used {
		v, err := a.client.Get(ctx, a.refs[i])
		if err != nil {
			return err
		}
		vals[i] = v
	}
	return nil
}

// decode returns the credentials the Client's current values give,
// decoded once per change of those values.
func (a *Auth) decode(vals *values) (*cred, error) {
	if m := a.memo.Load(); m != nil && m.vals.same(vals, a.used) {
		return m.k, nil
	}
	var c Credentials
	var err error
	if a.iam != nil {
		c, err = iamCredentials(&a.iam.iam, &a.refs, vals)
	} else {
		c, err = credentials(&a.refs, vals, a.rotating)
	}
	if err != nil {
		return nil, err
	}
	k := &cred{Credentials: c}
	if m := a.memo.Swap(&memo{vals: *vals, k: k}); m != nil && (m.k.Version != c.Version || !sameLogin(m.k.Credentials, c)) {
		a.changedAt.Store(time.Now().UnixNano())
	}
	return k, nil
}

// changedWithin reports whether the current credentials changed less than
// d ago: a rotation that changes the database after the secret may not
// have done so yet.
func (a *Auth) changedWithin(d time.Duration) bool {
	at := a.changedAt.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < d
}

// rebase makes k, new current credentials, the basis: new connections use
// them, unless they log in as the basis did and pending credentials were
// preferred to those.
func (a *Auth) rebase(k *cred) *cred {
	a.mu.Lock()
	st := a.state.Load()
	if st != nil && st.basis == k {
		a.mu.Unlock()
		return st.active
	}
	next := &state{basis: k, active: k}
	if st != nil && sameLogin(st.basis.Credentials, k.Credentials) {
		next.active = st.active
	}
	a.state.Store(next)
	a.mu.Unlock()
	if st != nil && !a.sameSession(st.active.Credentials, next.active.Credentials) {
		a.changed(next.active)
	}
	return next.active
}

// prefer makes new connections use k, which the database accepted after
// it rejected others, while the Client's current values still give basis.
func (a *Auth) prefer(basis, k *cred) {
	if m := a.memo.Load(); m == nil || m.k != basis {
		return // the Client has moved on since the recovery read basis
	}
	a.mu.Lock()
	st := a.state.Load()
	if st != nil && st.basis == basis && sameLogin(st.active.Credentials, k.Credentials) {
		a.mu.Unlock()
		return
	}
	a.state.Store(&state{basis: basis, active: k})
	a.mu.Unlock()
	a.changed(k)
}

// changed tells the logger and the connectors that new connections use k.
func (a *Auth) changed(k *cred) {
	if l := a.opts.Logger; l != nil {
		if k.pending {
			l.Info("dbauth: the database rejected the current credentials and accepted the pending ones; new connections use them until the rotation finishes",
				slog.String("ref", a.Ref()), slog.String("version", k.Version))
		} else {
			l.Info("dbauth: new connections use a new version of the credentials",
				slog.String("ref", a.Ref()), slog.String("version", k.Version))
		}
	}
	a.mu.Lock()
	listeners := make([]*Connector, 0, len(a.listeners))
	for c := range a.listeners {
		listeners = append(listeners, c)
	}
	a.mu.Unlock()
	for _, c := range listeners {
		c.retireIdle()
	}
}

// sync takes in a new version the Client's watch reported.
func (a *Auth) sync() {
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if _, err := a.first(ctx); err != nil && a.opts.Logger != nil {
		a.opts.Logger.Warn("dbauth: reading the new version of the credentials failed",
			slog.String("ref", a.Ref()), slog.String("error", err.Error()))
	}
}

func (a *Auth) listen(c *Connector) {
	a.mu.Lock()
	a.listeners[c] = struct{}{}
	a.mu.Unlock()
}

func (a *Auth) unlisten(c *Connector) {
	a.mu.Lock()
	delete(a.listeners, c)
	a.mu.Unlock()
}
