package entra

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/jml-dev/jml/integrations/directory"
)

// page is the shape of every Graph collection response.
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// each walks every page: first fetches page one, next follows an absolute
// @odata.nextLink verbatim.
func each[T any, P page[T]](first func() (P, error), next func(link string) (P, error), fn func(T) error) error {
	p, err := first()
	for {
		if err != nil {
			return err
		}
		for _, v := range p.GetValue() {
			if err := fn(v); err != nil {
				return err
			}
		}
		link := str(p.GetOdataNextLink())
		if link == "" {
			return nil
		}
		p, err = next(link)
	}
}

// stop is returned by a callback to end paging early without an error.
type stop struct{}

func (stop) Error() string { return "stop" }

// catalog is a tenant's name <-> id table (license SKUs, role definitions),
// fetched on first use and kept; names match case-insensitively.
type catalog struct {
	kind  string                                                          // "license", "role": named in NotFound errors
	fetch func(ctx context.Context, op string) (map[string]string, error) // id -> name

	mu    sync.Mutex
	ids   map[string]string // lower(name) -> id
	names map[string]string // id -> name
}

// load fetches the table unless it is held (an empty one is asked for again).
func (k *catalog) load(ctx context.Context, op string) error {
	k.mu.Lock()
	loaded := len(k.ids) > 0
	k.mu.Unlock()
	if loaded {
		return nil
	}
	byID, err := k.fetch(ctx, op)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids == nil {
		k.ids, k.names = map[string]string{}, map[string]string{}
	}
	for id, name := range byID {
		k.ids[strings.ToLower(name)] = id
		k.names[id] = name
	}
	return nil
}

// id resolves name, NotFound when the tenant has no such entry.
func (k *catalog) id(ctx context.Context, op, name string) (string, error) {
	if err := k.load(ctx, op); err != nil {
		return "", err
	}
	k.mu.Lock()
	id, ok := k.ids[strings.ToLower(name)]
	k.mu.Unlock()
	if !ok {
		return "", directory.NotFound(System, op, k.kind+" "+name)
	}
	return id, nil
}

// name returns the name of a loaded id, or the id itself when it has none.
func (k *catalog) name(id string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := k.names[id]; n != "" {
		return n
	}
	return id
}

func asDirErr(err error) *directory.Error {
	var de *directory.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}
