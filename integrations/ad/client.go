// Package ad is on-premises Active Directory over LDAPS (go-ldap/ldap/v3),
// implementing the directory contract: find/create/update/disable users,
// catalog groups, AD's privileged groups as admin roles (so a JIT
// elevation can be "Domain Admins for 1 h"), the manager as a DN, and the
// leaver's password scramble read back through pwdLastSet. Accounts are
// named by objectGUID, which survives the leaver's move to the disabled OU.
// No Temporal import here.
package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// System is the directory's name in configuration and errors.
const System = "ad"

// Options configure a Client.
type Options struct {
	URL          string // ldaps://dc1.corp.example:636
	BindDN       string // the service account: a DN or user@REALM
	BindPassword string
	BaseDN       string // DC=corp,DC=example
	UsersOU      string // where joiners are created
	DisabledOU   string // where leavers are moved
	// CAFile is the domain CA the DC's certificate is verified against
	// (PEM). Empty: the system roots.
	CAFile string
	// ServerName overrides the name verified in the certificate (when the
	// URL is an address the certificate does not name).
	ServerName string
	// AdminGroups are more groups read as admin roles (an elevation role
	// on a delegated admin group), besides PrivilegedGroups.
	AdminGroups []string
	// BreakGlass are sAMAccountNames that are standing admins by design.
	BreakGlass []string
	// PageSize of paged searches (Simple Paged Results); default 500.
	PageSize uint32
	Timeout  time.Duration // per operation; default 30s
	// Now is the clock of the leaver's description; default time.Now.
	Now func() time.Time
}

// Client is one DC connection, redialled when it drops. Safe for
// concurrent use.
type Client struct {
	o   Options
	tls *tls.Config

	mu    sync.Mutex
	conn  *ldap.Conn
	pages atomic.Int64

	groups sync.Map // lower-cased group name -> DN

	impMu sync.Mutex
	imp   map[string][]string
	impAt time.Time
}

// New checks the options and builds the client; it dials on first use.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("ad: url %q is not an ldaps:// URL", o.URL)
	}
	if u.Scheme != "ldaps" {
		// Simple binds and password writes need TLS; AD refuses a
		// unicodePwd write over plain LDAP anyway.
		return nil, fmt.Errorf("ad: url %q: only ldaps:// is supported (passwords are written)", o.URL)
	}
	for k, v := range map[string]string{"bind_dn": o.BindDN, "base_dn": o.BaseDN, "users_ou": o.UsersOU, "disabled_ou": o.DisabledOU} {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("ad: %s is required", k)
		}
	}
	if o.BindPassword == "" {
		return nil, errors.New("ad: the bind password is empty")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName}
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ad: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ad: ca_file %s holds no PEM certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	if o.PageSize == 0 {
		o.PageSize = 500
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{o: o, tls: tc}, nil
}

// Name is "ad".
func (c *Client) Name() string { return System }

// Close drops the connection.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// get returns the live connection, dialling and binding when there is none
// or the last one dropped.
func (c *Client) get(ctx context.Context) (*ldap.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosing() {
		return c.conn, nil
	}
	c.conn = nil
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := ldap.DialURL(c.o.URL, ldap.DialWithTLSConfig(c.tls), ldap.DialWithDialer(d))
	if err != nil {
		return nil, classify("connect", err)
	}
	conn.SetTimeout(c.o.Timeout)
	if err := conn.Bind(c.o.BindDN, c.o.BindPassword); err != nil {
		conn.Close()
		return nil, classify("bind", err)
	}
	c.conn = conn
	return conn, nil
}

// drop forgets a connection that failed at the network level, so the next
// call redials.
func (c *Client) drop(conn *ldap.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == conn {
		c.conn.Close()
		c.conn = nil
	}
}

// do runs one operation; a network failure drops the connection. Reads
// (idempotent by nature) are tried once more on a fresh connection; a
// write is answered Transient and the activity's retry finds the state.
func (c *Client) do(ctx context.Context, op string, read bool, fn func(*ldap.Conn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return classify(op, err)
		}
		conn, err := c.get(ctx)
		if err != nil {
			return err
		}
		err = fn(conn)
		if err == nil {
			return nil
		}
		if isNetwork(err) || conn.IsClosing() {
			c.drop(conn)
			if read && attempt == 0 {
				continue
			}
		}
		return classify(op, err)
	}
}

// searchAll runs a search in pages of PageSize with the Simple Paged
// Results control (AD answers at most MaxPageSize, 1,000, entries to an
// unpaged search), collecting every entry. A drop mid-way restarts it.
func (c *Client) searchAll(ctx context.Context, op, base string, scope int, filter string, attrs []string) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	err := c.do(ctx, op, true, func(conn *ldap.Conn) error {
		out = out[:0]
		paging := ldap.NewControlPaging(c.o.PageSize)
		for {
			req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, []ldap.Control{paging})
			res, err := conn.Search(req)
			if err != nil {
				return err
			}
			c.pages.Add(1)
			out = append(out, res.Entries...)
			ctrl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
			if ctrl == nil || len(ctrl.Cookie) == 0 {
				return nil
			}
			paging.SetCookie(ctrl.Cookie)
		}
	})
	return out, err
}

// Pages is how many result pages this client has read (tests check that
// large searches really page).
func (c *Client) Pages() int64 { return c.pages.Load() }

// modify applies one modify request (a write).
func (c *Client) modify(ctx context.Context, op string, m *ldap.ModifyRequest) error {
	return c.do(ctx, op, false, func(conn *ldap.Conn) error { return conn.Modify(m) })
}
