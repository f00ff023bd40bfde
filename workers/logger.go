// Package workers wires jml's Temporal side: the client from configuration,
// the SDK's logger backed by zerolog, the data converter, and a worker with
// every workflow and activity of the project registered.
package workers

import (
	"fmt"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/log"
)

// Logger adapts zerolog to the Temporal SDK's log.Logger, so the SDK's own
// lines land in the same structured stream as ours.
type Logger struct{ z zerolog.Logger }

// NewLogger wraps z.
func NewLogger(z zerolog.Logger) *Logger { return &Logger{z: z} }

var _ log.Logger = (*Logger)(nil)
var _ log.WithLogger = (*Logger)(nil)

func (l *Logger) Debug(msg string, kv ...interface{}) { l.emit(l.z.Debug(), msg, kv) }
func (l *Logger) Info(msg string, kv ...interface{})  { l.emit(l.z.Info(), msg, kv) }
func (l *Logger) Warn(msg string, kv ...interface{})  { l.emit(l.z.Warn(), msg, kv) }
func (l *Logger) Error(msg string, kv ...interface{}) { l.emit(l.z.Error(), msg, kv) }

// With returns a logger with the key-values attached to every line.
func (l *Logger) With(kv ...interface{}) log.Logger {
	c := l.z.With()
	for i := 0; i < len(kv); i += 2 {
		c = c.Interface(key(kv, i), val(kv, i))
	}
	return &Logger{z: c.Logger()}
}

func key(kv []interface{}, i int) string {
	if s, ok := kv[i].(string); ok {
		return s
	}
	return fmt.Sprint(kv[i])
}

func val(kv []interface{}, i int) interface{} {
	if i+1 < len(kv) {
		return kv[i+1]
	}
	return "(missing)"
}

func (l *Logger) emit(e *zerolog.Event, msg string, kv []interface{}) {
	if e == nil {
		return
	}
	for i := 0; i < len(kv); i += 2 {
		v := val(kv, i)
		if err, ok := v.(error); ok {
			e = e.AnErr(key(kv, i), err)
			continue
		}
		e = e.Interface(key(kv, i), v)
	}
	e.Msg(msg)
}
