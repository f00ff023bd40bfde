package ad_test

import (
	"context"
	"github.com/jml-dev/jml/integrations/ad"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// cutter is a TCP proxy to the DC that can cut the connection in the middle
// of the next request: the client has sent it, the DC never answers.
type cutter struct {
	ln   net.Listener
	left atomic.Int32 // cut on the left-th request from now; 0: never
	cuts atomic.Int32
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	// On the DC's own address: its certificate names that address.
	host, _, _ := net.SplitHostPort(target)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	p := &cutter{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			cl, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				cl.Close()
				continue
			}
			go io.Copy(cl, up)
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := cl.Read(buf)
					if n > 0 && p.left.Load() > 0 && p.left.Add(-1) == 0 {
						p.cuts.Add(1)
						cl.Close()
						up.Close()
						return
					}
					if n > 0 {
						if _, werr := up.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						up.Close()
						return
					}
				}
			}()
		}
	}()
	return p
}

func (p *cutter) url() string { return "ldaps://" + p.ln.Addr().String() }

// A connection dropped mid-operation: a read is retried once on a fresh
// connection and succeeds; a write is answered Transient (the activity
// retries it) and the retry completes it, idempotently.
func TestConnectionDroppedMidOperation(t *testing.T) {
	ctx := context.Background()
	p := newCutter(t, dc.Addr+":636")
	c, err := ad.New(options(p.url()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	u, err := c.FindUser(ctx, "E0024", "")
	if err != nil {
		t.Fatal(err)
	}
	p.left.Store(1)
	if again, err := c.FindUser(ctx, "E0024", ""); err != nil || again.ID != u.ID {
		t.Fatalf("find across a drop: %v %v", again.ID, err)
	}
	if p.cuts.Load() != 1 {
		t.Fatalf("%d cuts, want 1", p.cuts.Load())
	}
	// RevokeSessions reads the account, then writes: cut the write.
	p.left.Store(2)
	if _, err := c.RevokeSessions(ctx, u.ID); directory.KindOf(err) != directory.KindTransient || p.cuts.Load() != 2 {
		t.Fatalf("write across a drop: %v (%d cuts), want transient", err, p.cuts.Load())
	}
	if o, err := c.RevokeSessions(ctx, u.ID); err != nil || o != domain.Revoked {
		t.Fatalf("the retried write: %v %v", o, err)
	}
	o, err := c.AddToGroup(ctx, u.ID, "contractors")
	if err != nil || o != domain.Added {
		t.Fatalf("after the drop: %v %v", o, err)
	}
	if o, _ := c.AddToGroup(ctx, u.ID, "contractors"); o != domain.AlreadyPresent {
		t.Errorf("retry: %v", o)
	}
	_, _ = c.RemoveFromGroup(ctx, u.ID, "contractors")
}
