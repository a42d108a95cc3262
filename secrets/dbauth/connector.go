package dbauth

import (
	"context"
	"database/sql/driver"
	"sync"
	"sync/atomic"
)

// Connector is a database/sql driver.Connector that opens each connection
// with the credentials an Auth gives, through a driver's connector built
// from them. Give it to sql.OpenDB. Its connections retire themselves when
// new connections use other credentials: a connection in use is closed
// when it is returned to the pool (driver.Validator), and database/sql
// opens a new one when it needs one; the session of an idle one is closed
// at once, and opened again with the new credentials when database/sql
// next uses the connection. No query fails for it.
//
// Closing the sql.DB closes the Connector.
type Connector struct {
	auth  *Auth
	drv   driver.Driver
	open  func(Credentials) (driver.Connector, error)
	built atomic.Pointer[built]

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
}

// built is the driver's connector for one set of credentials.
type built struct {
	k *cred
	c driver.Connector
}

// NewConnector returns a Connector of a's credentials. open makes the
// driver's connector for a set of credentials (it is called once per set,
// not per connection); drv is the driver, which sql.DB.Driver returns.
func NewConnector(a *Auth, drv driver.Driver, open func(Credentials) (driver.Connector, error)) *Connector {
	c := &Connector{auth: a, drv: drv, open: open, conns: map[*conn]struct{}{}}
	a.listen(c)
	return c
}

// Connect opens a connection; see Connect for what happens when the
// database rejects the credentials.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, k, err := connect(ctx, c.auth, c.dial)
	if err != nil {
		return nil, err
	}
	w := &conn{Conn: dc, owner: c, k: k}
	c.track(w)
	return w, nil
}

func (c *Connector) dial(ctx context.Context, k *cred) (driver.Conn, error) {
	b := c.built.Load()
	if b == nil || b.k != k {
		dc, err := c.open(k.Credentials)
		if err != nil {
			return nil, err
		}
		b = &built{k: k, c: dc}
		c.built.Store(b)
	}
	return b.c.Connect(ctx)
}

// Driver returns the driver given to NewConnector.
func (c *Connector) Driver() driver.Driver { return c.drv }

// Close stops retiring idle connections; sql.DB.Close calls it. The
// connections themselves are closed by database/sql.
func (c *Connector) Close() error {
	c.auth.unlisten(c)
	c.mu.Lock()
	c.closed = true
	clear(c.conns)
	c.mu.Unlock()
	return nil
}

// retireIdle closes the sessions of the idle connections opened with
// credentials that new connections no longer use.
func (c *Connector) retireIdle() {
	c.mu.Lock()
	open := make([]*conn, 0, len(c.conns))
	for w := range c.conns {
		open = append(open, w)
	}
	c.mu.Unlock()
	for _, w := range open {
		w.closeIfRetired()
	}
}

// track adds w, whose session is open, to the connections retireIdle
// looks at.
func (c *Connector) track(w *conn) {
	c.mu.Lock()
	if !c.closed {
		c.conns[w] = struct{}{}
	}
	c.mu.Unlock()
}

// forget removes w, whose session is closed, from them.
func (c *Connector) forget(w *conn) {
	c.mu.Lock()
	delete(c.conns, w)
	c.mu.Unlock()
}
