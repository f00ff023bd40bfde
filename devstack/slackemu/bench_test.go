package slackemu_test

import (
	"context"
	"testing"
)

// BenchmarkAuthTest measures auth.test through slack-go end to end
// (client encode, loopback HTTP, emulator frame, JSON decode). Run with
// -cpu 1 for the single-core figure.
func BenchmarkAuthTest(b *testing.B) {
	_, api := start(b, nil, secret)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := api.AuthTestContext(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUsersInfo measures users.info the same way.
func BenchmarkUsersInfo(b *testing.B) {
	_, api := start(b, nil, secret)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := api.GetUserInfoContext(ctx, "UE0001"); err != nil {
			b.Fatal(err)
		}
	}
}
