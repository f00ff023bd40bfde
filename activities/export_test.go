package activities

// SetSnapshotPayloadLimit lets a test lower the snapshot's payload limit.
func SetSnapshotPayloadLimit(n int) (restore func()) {
	old := snapshotPayloadLimit
	snapshotPayloadLimit = n
	return func() { snapshotPayloadLimit = old }
}
